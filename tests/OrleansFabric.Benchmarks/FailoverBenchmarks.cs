using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansFabric.Batches;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16 (failover): three silo processes (Redis membership, PostgreSQL grain state and
/// reminders, the silo's tuned membership probes); one silo is killed with <c>kill -9</c> and
/// the time to the first successful call on a grain that lived there is measured over HTTP
/// (on a survivor) and through the grain client (<c>AddFabricClient</c>), side by side.
/// </summary>
internal static class FailoverBenchmarks
{
    private const int Silos = 3;

    // Each wait is bounded: a call that never succeeds shows as a failed round, not a hang.
    private static readonly TimeSpan s_firstSuccessLimit = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(Options options)
    {
        var rounds = options.Int("rounds", 3);
        var grainCount = options.Int("grains", 200);

        // --silo-logs DIR: each silo's output (UTC timestamps to the millisecond) is written there
        // after every round, with the kill time, to read the failover's timeline from. The
        // categories to log are chosen with Logging__LogLevel__* in the benchmark's environment,
        // which the silo processes inherit.
        var siloLogs = options.Get("silo-logs", "");
        if (siloLogs.Length > 0)
        {
            Directory.CreateDirectory(siloLogs);
        }

        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var clusterId = $"bench-{Guid.NewGuid():N}"[..20];
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Clustering__Provider"] = "Redis",
            ["Fabric__Clustering__ConnectionString"] = redis.Configuration,
            ["Fabric__Clustering__ClusterId"] = clusterId,
            ["Fabric__Clustering__ServiceId"] = clusterId,
            ["Fabric__Clustering__AdvertisedAddress"] = "127.0.0.1",
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = await postgres.CreateDatabaseAsync("failover"),
            ["Fabric__Persistence__MaxPoolSize"] = "10",
        };
        if (siloLogs.Length > 0)
        {
            settings["Logging__Console__FormatterName"] = "simple";
            settings["Logging__Console__FormatterOptions__SingleLine"] = "true";
            settings["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
            settings["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        }

        var members = new List<BenchSilo>();
        try
        {
            for (var i = 0; i < Silos; i++)
            {
                members.Add(BenchSilo.Start(settings));
            }

            foreach (var member in members)
            {
                await member.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            }

            await WaitForActiveAsync(members, Silos);
            using var client = await GrainClient.StartAsync(new Dictionary<string, string?>
            {
                ["Fabric:Clustering:Provider"] = "Redis",
                ["Fabric:Clustering:ConnectionString"] = redis.Configuration,
                ["Fabric:Clustering:ClusterId"] = clusterId,
                ["Fabric:Clustering:ServiceId"] = clusterId,
            });
            Console.WriteLine($"{Silos} silo processes, Redis membership, PostgreSQL grain state; {grainCount} batch grains per round; the grain client's Clustering:ResponseTimeoutSeconds is the default (4).");
            Console.WriteLine();
            Console.WriteLine("| round | grains on the victim | kill -9 → first HTTP 200 on a survivor (s) | failed HTTP calls before it | kill -9 → first grain-client success (s) | failed grain calls before it | machine idle / stolen |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
            var httpTimes = new List<double>();
            var clientTimes = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                using var http = new HttpClient { BaseAddress = members[0].Address, Timeout = TimeSpan.FromSeconds(10) };
                var keys = Enumerable.Range(0, grainCount).Select(i => $"failover-{round}-{i}").ToArray();
                foreach (var key in keys)
                {
                    using var put = await http.PutAsJsonAsync(new Uri($"/v1/batches/{key}", UriKind.Relative), new { expected_count = 2, timeout_seconds = 600 });
                    put.EnsureSuccessStatusCode();
                }

                var victim = members[^1];
                var onVictim = await client.ActiveOnAsync<IEssayBatchGrain>(victim.SiloPort, keys);
                if (onVictim.Count < 2)
                {
                    Console.WriteLine($"| {round} | {onVictim.Count} | (too few grains on the victim to measure) | | | | |");
                    continue;
                }

                var cpu = CpuTimes.Sample(0, 0);
                var clock = Stopwatch.StartNew();
                var killedAt = DateTime.UtcNow;
                victim.Process.Kill();
                var overHttp = FirstSuccessAsync(clock, async () =>
                {
                    using var response = await http.GetAsync(new Uri($"/v1/batches/{onVictim[0]}", UriKind.Relative));
                    return response.StatusCode == HttpStatusCode.OK;
                });
                var overClient = FirstSuccessAsync(clock, async () =>
                {
                    var status = await client.Grains.GetGrain<IEssayBatchGrain>(onVictim[1]).GetStatusAsync();
                    return status is not null;
                });
                var (httpSeconds, httpFailures) = await overHttp;
                var (clientSeconds, clientFailures) = await overClient;
                var (idle, stolen) = CpuTimes.Sample(0, 0).MachineShares(cpu);
                httpTimes.Add(httpSeconds);
                clientTimes.Add(clientSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {onVictim.Count} | {httpSeconds:F2} | {httpFailures} | {clientSeconds:F2} | {clientFailures} | {idle:P0} / {stolen:P0} |"));
                if (siloLogs.Length > 0)
                {
                    await WriteSiloLogsAsync(siloLogs, round, members, killedAt, onVictim, httpSeconds, clientSeconds);
                }

                // A replacement joins before the next round, on fresh ports.
                await victim.DisposeAsync();
                members.RemoveAt(members.Count - 1);
                var replacement = BenchSilo.Start(settings);
                members.Add(replacement);
                await replacement.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
                await WaitForActiveAsync(members, Silos);
            }

            httpTimes.Sort();
            clientTimes.Sort();
            if (httpTimes.Count > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median kill -9 → first success: HTTP {httpTimes[httpTimes.Count / 2]:F2} s, grain client {clientTimes[clientTimes.Count / 2]:F2} s over {httpTimes.Count} round(s)"));
            }

            return httpTimes.Count == rounds && httpTimes[^1] <= 2 && clientTimes[^1] <= 6 ? 0 : 3;
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>Writes each silo's output so far to <c>round-N-silo-I.log</c> in <paramref name="directory"/> (the victim is the last), and the round's kill time and results.</summary>
    private static async Task WriteSiloLogsAsync(string directory, int round, List<BenchSilo> members, DateTime killedAt, List<string> onVictim, double httpSeconds, double clientSeconds)
    {
        for (var i = 0; i < members.Count; i++)
        {
            var name = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"round-{round}-silo-{i}.log"));
            await File.WriteAllTextAsync(name, string.Create(CultureInfo.InvariantCulture, $"silo port {members[i].SiloPort}, http {members[i].Address}{(i == members.Count - 1 ? " (the victim)" : "")}\n{members[i].Process.Output}"));
        }

        await File.WriteAllTextAsync(
            Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"round-{round}.txt")),
            string.Create(CultureInfo.InvariantCulture, $"kill -9 at {killedAt:HH:mm:ss.fff} UTC; HTTP grain {onVictim[0]} first 200 after {httpSeconds:F3} s (at {killedAt.AddSeconds(httpSeconds):HH:mm:ss.fff}); grain-client grain {onVictim[1]} after {clientSeconds:F3} s (at {killedAt.AddSeconds(clientSeconds):HH:mm:ss.fff})\n"));
    }

    /// <summary>Calls <paramref name="call"/> until it succeeds (bounded); seconds since <paramref name="clock"/> started and how many attempts failed.</summary>
    private static async Task<(double Seconds, int Failures)> FirstSuccessAsync(Stopwatch clock, Func<Task<bool>> call)
    {
        var failures = 0;
        while (clock.Elapsed < s_firstSuccessLimit)
        {
            try
            {
                if (await call())
                {
                    return (clock.Elapsed.TotalSeconds, failures);
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Expected while the cluster notices the death: a timeout, a rejected call, a 5xx.
            }

            failures++;
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        return (double.PositiveInfinity, failures);
    }

    /// <summary>Polls <c>/v1/cluster</c> on live silos (bounded) until exactly <paramref name="count"/> silos are active.</summary>
    internal static async Task WaitForActiveAsync(List<BenchSilo> members, int count)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < TimeSpan.FromSeconds(90))
        {
            foreach (var member in members.Where(member => !member.Process.HasExited))
            {
                try
                {
                    var cluster = await http.GetFromJsonAsync<JsonElement>(new Uri(member.Address, "/v1/cluster"));
                    if (cluster.GetProperty("silos").EnumerateArray().Count(silo => silo.GetProperty("status").GetString() == "active") == count)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not answering (yet): ask another.
                }
                catch (TaskCanceledException)
                {
                    // Busy: ask again.
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"{count} active silos not reached within 90 s.");
    }
}
