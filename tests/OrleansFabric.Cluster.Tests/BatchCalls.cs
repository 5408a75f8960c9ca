using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Batch API calls the way an essay pipeline makes them: each through a random live gateway,
/// retried (on another gateway, bounded in count and time) when the outcome is unknown or the
/// cluster is unavailable, which is safe because provisioning is idempotent by text_storage_id.
/// </summary>
internal sealed class BatchCalls(ProcessCluster cluster) : IDisposable
{
    private const int MaxAttempts = 60;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private int _answered;
    private int _retried;

    /// <summary>Calls answered so far.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>Attempts that had to be repeated.</summary>
    public int Retried => Volatile.Read(ref _retried);

    public async Task RegisterAsync(string batchId, int slots, int timeoutSeconds)
    {
        var body = JsonSerializer.Serialize(new { expected_count = slots, timeout_seconds = timeoutSeconds });
        var (status, _) = await SendAsync(HttpMethod.Put, $"/v1/batches/{batchId}", body);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"registering {batchId}: {status}");
    }

    public async Task<JsonElement> StatusAsync(string batchId)
    {
        var (status, json) = await SendAsync(HttpMethod.Get, $"/v1/batches/{batchId}", null);
        Assert.Equal(HttpStatusCode.OK, status);
        return json;
    }

    /// <summary>Provisions every content of <paramref name="contents"/>, at most <paramref name="parallelism"/> at once.</summary>
    public async Task<List<ProvisionAnswer>> ProvisionAsync(string batchId, IEnumerable<string> contents, int parallelism)
    {
        var answers = new System.Collections.Concurrent.ConcurrentBag<ProvisionAnswer>();
        await Parallel.ForEachAsync(contents, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (content, _) =>
            answers.Add(await ProvisionOneAsync(batchId, content)));
        return [.. answers];
    }

    public async Task<ProvisionAnswer> ProvisionOneAsync(string batchId, string textStorageId)
    {
        var body = JsonSerializer.Serialize(new { text_storage_id = textStorageId });
        var (status, json) = await SendAsync(HttpMethod.Post, $"/v1/batches/{batchId}/content", body);
        Interlocked.Increment(ref _answered);
        return status == HttpStatusCode.OK
            ? new ProvisionAnswer(batchId, textStorageId, json.GetProperty("outcome").GetString()!, json.GetProperty("essay_id").GetString())
            : new ProvisionAnswer(batchId, textStorageId, json.TryGetProperty("code", out var code) ? code.GetString()! : $"http_{(int)status}", null);
    }

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonElement Json)> SendAsync(HttpMethod method, string path, string? body)
    {
        var limit = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var live = cluster.Members.Where(member => member.IsRunning).ToList();
            var gateway = live[Random.Shared.Next(live.Count)];
            try
            {
                using var request = new HttpRequestMessage(method, new Uri(gateway.Address, path));
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                using var response = await _http.SendAsync(request);
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway))
                {
                    return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Connection refused or reset by a dying silo: the outcome is unknown; ask again.
            }

            Interlocked.Increment(ref _retried);
            if (attempt >= MaxAttempts || limit.Elapsed > s_deadline)
            {
                throw new TimeoutException($"{method} {path} got no answer in {attempt} attempts ({limit.Elapsed}).");
            }

            // Back off while the dead silo's leases expire (a retry pause, not a synchronisation).
            await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(attempt, 5)));
        }
    }
}

/// <summary>The answer to one provisioning call: the outcome or problem code, and the slot.</summary>
internal sealed record ProvisionAnswer(string Batch, string TextStorageId, string Code, string? EssayId);
