using System.Diagnostics;
using System.Globalization;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16 (scale): <c>POST /v1/messages</c> throughput of a cluster of 1, 2 and 3 silo
/// processes on this machine under the same load: Redis membership and PostgreSQL grain state
/// (a cluster refuses memory state; one silo gets the same configuration so that only the count
/// changes), the queue strategy and the echo brain without delay, as <c>ingest</c> runs them.
/// The load is wrk's, spread over the silos' HTTP ports as a load balancer would: one wrk per
/// silo, run at the same time, with the connections (and wrk threads) divided between them, every
/// wrk writing to all the sessions. Accepted messages per second are summed over the wrks; the CPU
/// each process spent per accepted message (every silo, PostgreSQL, the wrks) and the messages
/// the silos sent each other say what bounds the rate.
/// </summary>
internal static class ScaleBenchmarks
{
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(Options options)
    {
        var counts = options.Ints("silos", [1, 2, 3]).ToList();
        var connections = options.Int("connections", 64);
        var seconds = options.Int("seconds", 10);
        var threads = options.Int("threads", 2);
        var sessions = options.Int("sessions", 10_000);
        var warmUp = options.Int("silo-warmup", 20);
        var rounds = options.Int("rounds", 3);
        if (counts.Count == 0 || counts.Any(count => count is < 1 or > 5) || connections < counts.Max())
        {
            Console.Error.WriteLine("scale: --silos takes counts from 1 to 5 (e.g. 1,2,3), and --connections at least the largest.");
            return 2;
        }

        if (Wrk.Find() is not { } wrk)
        {
            Console.Error.WriteLine("scale needs wrk, which is not installed: run `apt-get install -y wrk` (Debian) and try again.");
            return 1;
        }

        var script = Path.Combine(Path.GetTempPath(), $"scale-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Wrk.Script(sessions));
        try
        {
            await using var redis = await RedisServer.StartAsync();
            await using var postgres = await PostgresServer.StartAsync();
            var postmaster = await IngestBenchmarks.PostmasterAsync(postgres.ConnectionString);
            Console.WriteLine($"load: {connections} connections and {threads} wrk threads in all, divided over one wrk per silo (each at least 1 thread), {seconds} s measured after {warmUp} s of warm-up on every fresh cluster, {sessions:N0} sessions; Redis membership, PostgreSQL grain state (a fresh database per cluster), queue strategy, echo brain; {rounds} round(s) of {string.Join(", ", counts)} silo(s)");
            var results = new List<ClusterRun>();
            var lost = 0L;
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var count in counts)
                {
                    var run = await MeasureAsync(new Cluster(redis, postgres, postmaster, wrk, script, round, count, connections, threads, seconds, warmUp, sessions));
                    lost += run.Lost;
                    results.Add(run);
                }
            }

            Print(results, counts, connections, seconds, sessions);
            return lost == 0 ? 0 : 3;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static void Print(List<ClusterRun> results, List<int> counts, int connections, int seconds, int sessions)
    {
        Console.WriteLine();
        Console.WriteLine($"| round | silos | accepted (202)/s, all silos | by silo | errors | p50 ms | p99 ms (worst wrk) | ratio to 1 silo | CPU per message: silos (each) | PostgreSQL | wrk | silo-to-silo messages per message | lost |");
        Console.WriteLine("|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var run in results)
        {
            var single = results.FirstOrDefault(other => other.Round == run.Round && other.Silos == 1);
            var ratio = single is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{run.Rate / single.Rate:F2}x");
            var perMessage = Math.Max(1, run.Accepted);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {run.Round} | {run.Silos} | {run.Rate:N0} | {string.Join(" + ", run.Rates.Select(rate => rate.ToString("N0", CultureInfo.InvariantCulture)))} | {run.Errors:N0} | {run.P50:F2} | {run.P99:F2} | {ratio} | {run.SiloCpu.Sum() * 1e6 / perMessage:F0} µs ({string.Join(" + ", run.SiloCpu.Select(cpu => (cpu * 1e6 / perMessage).ToString("F0", CultureInfo.InvariantCulture)))}) | {run.PostgreSqlCpu * 1e6 / perMessage:F0} µs | {run.WrkCpu * 1e6 / perMessage:F0} µs | {run.SiloToSilo / perMessage:F2} | {run.Lost} |"));
        }

        Console.WriteLine();
        foreach (var count in counts)
        {
            var rates = results.Where(run => run.Silos == count).Select(run => run.Rate).Order().ToList();
            var ratios = results.Where(run => run.Silos == count)
                .Select(run => results.FirstOrDefault(other => other.Round == run.Round && other.Silos == 1) is { } single ? run.Rate / single.Rate : double.NaN)
                .Where(ratio => !double.IsNaN(ratio))
                .Order()
                .ToList();
            var idle = results.Where(run => run.Silos == count).Select(run => run.Idle).Order().ToList();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{count} silo(s): median {rates[rates.Count / 2]:N0} accepted/s over {rates.Count} round(s) ({string.Join(", ", rates.Select(rate => rate.ToString("N0", CultureInfo.InvariantCulture)))}){(ratios.Count > 0 ? $"; {count}/1 median {ratios[ratios.Count / 2]:F2}x ({string.Join(", ", ratios.Select(ratio => ratio.ToString("F2", CultureInfo.InvariantCulture)))})" : string.Empty)}; machine idle {string.Join(", ", idle.Select(share => share.ToString("P0", CultureInfo.InvariantCulture)))}"));
        }

        Console.WriteLine($"(wrk -c{connections} in all for {seconds} s over {sessions:N0} sessions; load average now {LoadAverage.Read()})");
    }

    /// <summary>
    /// Starts a fresh cluster of <see cref="Cluster.Silos"/> silo processes, warms it up, measures
    /// one run with a wrk per silo, checks that every accepted message was answered, and stops it.
    /// </summary>
    private static async Task<ClusterRun> MeasureAsync(Cluster cluster)
    {
        var clusterId = $"scale-{cluster.Round}-{cluster.Silos}-{Guid.NewGuid():N}"[..24];
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Clustering__Provider"] = "Redis",
            ["Fabric__Clustering__ConnectionString"] = cluster.Redis.Configuration,
            ["Fabric__Clustering__ClusterId"] = clusterId,
            ["Fabric__Clustering__ServiceId"] = clusterId,
            ["Fabric__Clustering__AdvertisedAddress"] = "127.0.0.1",
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = await cluster.Postgres.CreateDatabaseAsync($"scale{cluster.Silos}"),
            ["Fabric__Sessions__Channels__sms__Strategy"] = "queue",
            ["Fabric__Sessions__Brain__Kind"] = "echo",
            ["Fabric__Sessions__Brain__DelayMs"] = "0",
        };
        var members = Enumerable.Range(0, cluster.Silos).Select(_ => BenchSilo.Start(settings)).ToList();
        try
        {
            foreach (var member in members)
            {
                await member.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            }

            await FailoverBenchmarks.WaitForActiveAsync(members, cluster.Silos);
            using var http = new HttpClient { BaseAddress = members[0].Address, Timeout = TimeSpan.FromSeconds(30) };

            // The connections and threads divided over the silos, as evenly as whole numbers allow.
            var loads = Enumerable.Range(0, cluster.Silos)
                .Select(i => (Silo: members[i], Connections: (cluster.Connections / cluster.Silos) + (i < cluster.Connections % cluster.Silos ? 1 : 0), Threads: Math.Max(1, cluster.Threads / cluster.Silos)))
                .ToList();
            var name = $"r{cluster.Round}n{cluster.Silos}";
            var warm = await Task.WhenAll(loads.Select((load, i) => Wrk.RunAsync(cluster.Wrk, cluster.Script, new Uri(load.Silo.Address, "/v1/messages"), load.Connections, cluster.WarmUp, load.Threads, $"{name}w{i}")));

            var before = members.Select((member, i) => CpuTimes.Sample(member.Process.ProcessId, i == 0 ? cluster.Postmaster : 0)).ToList();
            var sentBefore = await SiloToSiloAsync(http, members);
            var runs = await Task.WhenAll(loads.Select((load, i) => Wrk.RunAsync(cluster.Wrk, cluster.Script, new Uri(load.Silo.Address, "/v1/messages"), load.Connections, cluster.Seconds, load.Threads, $"{name}m{i}")));
            var after = members.Select((member, i) => CpuTimes.Sample(member.Process.ProcessId, i == 0 ? cluster.Postmaster : 0)).ToList();
            var sentAfter = await SiloToSiloAsync(http, members);

            var accepted = runs.Sum(run => run.Accepted);
            var (idle, _) = after[0].MachineShares(before[0]);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"round {cluster.Round}, {cluster.Silos} silo(s): {runs.Sum(run => run.Rate):N0} accepted/s ({string.Join(" + ", runs.Select(run => run.Rate.ToString("N0", CultureInfo.InvariantCulture)))}), {runs.Sum(run => run.Errors)} errors; CPU per accepted message: silos {string.Join(" + ", after.Select((sample, i) => ((sample.Server - before[i].Server) * 1e6 / Math.Max(1, accepted)).ToString("F0", CultureInfo.InvariantCulture)))} µs, PostgreSQL {(after[0].PostgreSql - before[0].PostgreSql) * 1e6 / Math.Max(1, accepted):F0} µs, wrk {(after[0].Children - before[0].Children) * 1e6 / Math.Max(1, accepted):F0} µs; the machine was {idle:P0} idle; load average {LoadAverage.Read()}"));

            // wrk stops with requests in flight: up to one per connection per wrk run may have been
            // accepted without being counted (as in ingest).
            var acknowledged = warm.Sum(run => run.Accepted) + accepted;
            var clock = Stopwatch.StartNew();
            var (answered, pending) = await IngestBenchmarks.CountMessagesAsync(http, cluster.Sessions);
            for (var attempt = 0; pending > 0 && clock.Elapsed < s_drainLimit; attempt++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (attempt + 1))));
                (answered, pending) = await IngestBenchmarks.CountMessagesAsync(http, cluster.Sessions);
            }

            var lost = Math.Max(0, acknowledged - answered - pending);
            var extra = answered + pending - acknowledged;
            Console.WriteLine($"round {cluster.Round}, {cluster.Silos} silo(s): wrk saw {acknowledged:N0} accepted (warm-up + run); the sessions hold {answered:N0} answered + {pending:N0} pending after {clock.Elapsed.TotalSeconds:F1} s; lost {lost}, beyond wrk's count {extra} (allowed: at most {2 * cluster.Connections})");
            if (pending > 0 || extra > 2 * cluster.Connections)
            {
                Console.WriteLine($"round {cluster.Round}, {cluster.Silos} silo(s): CHECK FAILED: {pending} still pending, {extra} more answered than acknowledged");
                lost = Math.Max(lost, 1);
            }

            await Task.WhenAll(members.Select(member => member.StopAsync()));
            return new ClusterRun(
                cluster.Round,
                cluster.Silos,
                [.. runs.Select(run => run.Rate)],
                accepted,
                runs.Sum(run => run.Errors),
                runs.Select(run => run.P50).Order().ElementAt(runs.Length / 2),
                runs.Max(run => run.P99),
                [.. after.Select((sample, i) => sample.Server - before[i].Server)],
                after[0].PostgreSql - before[0].PostgreSql,
                after[0].Children - before[0].Children,
                sentAfter - sentBefore,
                idle,
                lost);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Messages the silos have sent each other so far: the count of Orleans' histogram of the
    /// sizes of messages each silo sent over the network (to other silos, and to clients, of which
    /// there are none here); NaN when a silo does not export it.
    /// </summary>
    private static async Task<double> SiloToSiloAsync(HttpClient http, List<BenchSilo> members)
    {
        const string Family = "orleans_messaging_sent_messages_size_bytes_count";
        var sent = 0.0;
        foreach (var member in members)
        {
            var metrics = await SiloMetrics.ScrapeAsync(http, member.Address);
            sent += metrics.Has(Family) || members.Count == 1 ? metrics.Sum(Family) : double.NaN;
        }

        return sent;
    }

    /// <summary>What one cluster run needs: the shared servers, the wrk script and the load.</summary>
    private sealed record Cluster(RedisServer Redis, PostgresServer Postgres, int Postmaster, string Wrk, string Script, int Round, int Silos, int Connections, int Threads, int Seconds, int WarmUp, int Sessions);

    /// <summary>One cluster's measured run: rates by wrk (one per silo), and CPU seconds by process.</summary>
    private sealed record ClusterRun(int Round, int Silos, double[] Rates, long Accepted, long Errors, double P50, double P99, double[] SiloCpu, double PostgreSqlCpu, double WrkCpu, double SiloToSilo, double Idle, long Lost)
    {
        public double Rate => Rates.Sum();
    }
}
