using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Batch provisioning calls and session messages sent over HTTP to whichever silos are alive,
/// each retried with the same ids (both are idempotent by id) until a silo acknowledges it;
/// then what every silo reports is checked against what was acknowledged: nothing lost, no
/// content or slot twice, every message answered exactly once and in order.
/// </summary>
internal sealed class Workload(Func<IReadOnlyList<Uri>> silos, int batches, int slots, int sessions, int messagesPerSession) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
    private int _next;

    /// <summary>content id → the essay id a silo acknowledged for it.</summary>
    public ConcurrentDictionary<string, string> AcknowledgedContent { get; } = new(StringComparer.Ordinal);

    /// <summary>session key → message ids acknowledged (202), in acknowledgement order.</summary>
    public ConcurrentDictionary<string, List<string>> AcknowledgedMessages { get; } = new(StringComparer.Ordinal);

    /// <summary>Calls acknowledged so far.</summary>
    public int Acknowledged => AcknowledgedContent.Count + AcknowledgedMessages.Values.Sum(ids => ids.Count);

    /// <summary>Attempts that were not acknowledged and were retried (connection refused, 5xx, timeouts).</summary>
    public ConcurrentQueue<string> Retried { get; } = new();

    /// <summary>The total number of calls the workload makes.</summary>
    public int Total => (batches * slots) + (sessions * messagesPerSession);

    /// <summary>Registers the batches (before the run).</summary>
    public async Task RegisterBatchesAsync()
    {
        for (var b = 0; b < batches; b++)
        {
            using var response = await SendAsync(HttpMethod.Put, $"/v1/batches/{BatchId(b)}", new { expected_count = slots, timeout_seconds = 3600 });
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT batch {b}: {(int)response.StatusCode}");
        }
    }

    /// <summary>
    /// Runs every call on <paramref name="workers"/> workers. Each session's messages go in order
    /// from one worker (so its acceptance order is known); content goes from any worker.
    /// </summary>
    public async Task RunAsync(int workers)
    {
        var contents = new ConcurrentQueue<(int Batch, int Item)>(
            Enumerable.Range(0, slots).SelectMany(item => Enumerable.Range(0, batches).Select(batch => (batch, item))));
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var mySessions = Enumerable.Range(0, sessions).Where(session => session % workers == worker).ToList();
            var message = 0;
            while (true)
            {
                var didSomething = false;
                if (message < messagesPerSession && mySessions.Count > 0)
                {
                    foreach (var session in mySessions)
                    {
                        await PostMessageAsync(session, message);
                    }

                    message++;
                    didSomething = true;
                }

                if (contents.TryDequeue(out var content))
                {
                    await ProvisionAsync(content.Batch, content.Item);
                    didSomething = true;
                }

                if (!didSomething)
                {
                    return;
                }
            }
        })));
    }

    /// <summary>Every batch is full, each content holds the slot it was acknowledged with, and no slot or content appears twice.</summary>
    public async Task VerifyBatchesAsync()
    {
        for (var b = 0; b < batches; b++)
        {
            var status = await GetJsonAsync($"/v1/batches/{BatchId(b)}");
            var assignments = status.GetProperty("assignments").EnumerateArray()
                .Select(a => (Essay: a.GetProperty("essay_id").GetString()!, Content: a.GetProperty("text_storage_id").GetString()!))
                .ToList();
            Assert.Equal(slots, assignments.Count);
            Assert.Equal("completed", status.GetProperty("status").GetString());
            Assert.Equal(slots, assignments.Select(a => a.Essay).Distinct().Count());
            Assert.Equal(slots, assignments.Select(a => a.Content).Distinct().Count());
            foreach (var (essay, content) in assignments)
            {
                Assert.True(AcknowledgedContent.TryGetValue(content, out var acknowledged), $"{content} holds {essay} but was never acknowledged");
                Assert.Equal(acknowledged, essay);
            }

            var events = await GetJsonAsync($"/v1/batches/{BatchId(b)}/events");
            Assert.Single(events.EnumerateArray());
        }

        Assert.Equal(batches * slots, AcknowledgedContent.Count);
    }

    /// <summary>Every acknowledged message is answered by exactly one completed turn, in the order it was accepted.</summary>
    public async Task VerifyAnswersAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var (session, acknowledged) in AcknowledgedMessages)
        {
            List<string> answered = [];
            while (true)
            {
                var turns = await GetJsonAsync($"/v1/sessions/{Uri.EscapeDataString(session)}/turns?after=0&wait_seconds=2");
                answered = [.. turns.EnumerateArray()
                    .Where(turn => turn.GetProperty("status").GetString() == "completed")
                    .OrderBy(turn => turn.GetProperty("seq").GetInt64())
                    .SelectMany(turn => turn.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()!))];
                if (answered.Count >= acknowledged.Count || DateTime.UtcNow > deadline)
                {
                    break;
                }
            }

            Assert.Equal(acknowledged, answered);
        }

        Assert.Equal(sessions * messagesPerSession, AcknowledgedMessages.Values.Sum(ids => ids.Count));
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>The session key of session <paramref name="session"/>.</summary>
    public string SessionKey(int session) => $"t-{_prefix}:agent:user{session}:load";

    private string BatchId(int batch) => $"b-{_prefix}-{batch}";

    private async Task ProvisionAsync(int batch, int item)
    {
        var content = $"ts-{_prefix}-{batch}-{item}";
        using var response = await UntilAcknowledgedAsync(HttpMethod.Post, $"/v1/batches/{BatchId(batch)}/content", new { text_storage_id = content });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        AcknowledgedContent[content] = body.GetProperty("essay_id").GetString()!;
    }

    private async Task PostMessageAsync(int session, int message)
    {
        var id = $"m{message.ToString("D4", CultureInfo.InvariantCulture)}";
        var key = SessionKey(session);
        using var response = await UntilAcknowledgedAsync(HttpMethod.Post, "/v1/messages", new
        {
            message_id = id,
            tenant_id = $"t-{_prefix}",
            agent_id = "agent",
            interlocutor_id = $"user{session}",
            channel = "load",
            text = $"message {message}",
        });
        var ids = AcknowledgedMessages.GetOrAdd(key, _ => []);
        lock (ids)
        {
            ids.Add(id);
        }
    }

    /// <summary>Sends until a silo answers 2xx (bounded); any other answer or a failure is retried on the next silo.</summary>
    private async Task<HttpResponseMessage> UntilAcknowledgedAsync(HttpMethod method, string path, object body)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        for (var attempt = 0; attempt < 500; attempt++)
        {
            try
            {
                var response = await SendAsync(method, path, body);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                Retried.Enqueue($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                response.Dispose();
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Retried.Enqueue($"{method} {path}: {exception.GetType().Name} {exception.Message}");
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            // Backing off from a silo that is going away; a retry goes to the next one.
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        throw new TimeoutException($"{method} {path} was never acknowledged; last failures: {string.Join(" | ", Retried.TakeLast(5))}");
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object body)
    {
        var targets = silos();
        var target = targets[Interlocked.Increment(ref _next) % targets.Count];
        return _http.SendAsync(new HttpRequestMessage(method, new Uri(target, path)) { Content = JsonContent.Create(body) });
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var targets = silos();
            try
            {
                return await _http.GetFromJsonAsync<JsonElement>(new Uri(targets[attempt % targets.Count], path));
            }
            catch (Exception exception) when (attempt < 20 && exception is HttpRequestException or TaskCanceledException)
            {
                // The silo asked is going away: ask another.
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}
