using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Drives ledger grains through the test endpoints of random silos and keeps score: an
/// operation answered 200 is acknowledged; one that could not be sent (connection refused)
/// or was refused before running (503) is tried again on another silo; any other outcome is
/// unknown (it may or may not have run) and is never retried.
/// </summary>
internal sealed class Ledgers(ProcessCluster cluster) : IDisposable
{
    public const string GrainType = "ledger";
    public const int Partitions = 32;

    // Like FabricClient: idle connections close after 1 s, well inside a stopping silo's 2 s
    // drain, so no request is ever sent on a connection the silo is about to close.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(45) };
    private int _next;

    public ConcurrentDictionary<string, string> Acknowledged { get; } = new();

    public ConcurrentDictionary<string, string> Unknown { get; } = new();

    public int Retries;

    public ConcurrentDictionary<string, string> RetryReasons { get; } = new();

    /// <summary>The first outcome that was neither acknowledged nor retried, for failure messages.</summary>
    public string? FirstUnknown { get; private set; }

    public static GrainId Grain(string key) => new(new GrainType(GrainType), key);

    /// <summary>Applies one operation to <paramref name="key"/>; true when acknowledged.</summary>
    public async Task<bool> ApplyAsync(string key, string operation, string suffix = "")
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var members = cluster.Members.Where(member => member.IsRunning).ToList();
            var via = members[(int)((uint)Interlocked.Increment(ref _next) % (uint)members.Count)];
            using var body = new TrackedBody();
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsync(new Uri(via.Address, $"/test/ledgers/{key}/{operation}{suffix}"), body);
            }
            catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.ConnectionError && !body.WasSent)
            {
                RetryReasons[operation] = exception.Message + " | " + exception.InnerException?.Message;
                Interlocked.Increment(ref Retries);
                continue;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                FirstUnknown ??= exception.ToString();
                Unknown[operation] = key;
                return false;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Acknowledged[operation] = key;
                    return true;
                }

                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    RetryReasons[operation] = "503 " + await response.Content.ReadAsStringAsync();
                    Interlocked.Increment(ref Retries);
                    continue;
                }

                FirstUnknown ??= $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                Unknown[operation] = key;
                return false;
            }
        }

        Unknown[operation] = key;
        return false;
    }

    /// <summary>Runs <paramref name="workers"/> concurrent callers until <paramref name="operations"/> were issued or <paramref name="stop"/> is set.</summary>
    public Task RunAsync(int grains, int operations, int workers, Func<bool>? stop = null)
    {
        var issued = 0;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            while (stop?.Invoke() != true)
            {
                var n = Interlocked.Increment(ref issued);
                if (n > operations)
                {
                    return;
                }

                await ApplyAsync($"g{n % grains}", $"op{n}");
            }
        })));
    }

    /// <summary>Reads every ledger and checks: each acknowledged operation was applied exactly once, and no operation twice.</summary>
    public async Task AssertNothingLostNothingTwiceAsync(int grains)
    {
        var seen = new Dictionary<string, int>();
        var via = cluster.Members.First(member => member.IsRunning);
        for (var g = 0; g < grains; g++)
        {
            var operations = JsonSerializer.Deserialize<string[]>(await _http.GetStringAsync(new Uri(via.Address, $"/test/ledgers/g{g}")))!;
            foreach (var operation in operations)
            {
                seen[operation] = seen.GetValueOrDefault(operation) + 1;
            }
        }

        var lost = Acknowledged.Keys.Where(operation => !seen.ContainsKey(operation)).ToList();
        var twice = seen.Where(pair => pair.Value > 1).Select(pair => pair.Key).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged operations were lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.True(twice.Count == 0, $"{twice.Count} operations were applied twice, e.g. {string.Join(", ", twice.Take(5).Select(op => $"{op} ({RetryReasons.GetValueOrDefault(op)})"))}");
        Assert.All(seen.Keys, operation => Assert.True(Acknowledged.ContainsKey(operation) || Unknown.ContainsKey(operation), $"{operation} applied but never sent"));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// A one-byte body that records whether any attempt started sending it: HttpClient
    /// re-sends a request whose reused connection died before answering, and then reports the
    /// second attempt's "connection refused" as if nothing had been sent.
    /// </summary>
    private sealed class TrackedBody : HttpContent
    {
        private int _sent;

        public bool WasSent => Volatile.Read(ref _sent) == 1;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Volatile.Write(ref _sent, 1);
            return stream.WriteAsync(new byte[] { (byte)'x' }).AsTask();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 1;
            return true;
        }
    }
}
