using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansFabric.PostgreSql;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>The PostgreSQL and multi-silo measurements of issue 3, each against a throwaway PostgreSQL.</summary>
internal static partial class ClusterBenchmarks
{
    private static readonly string s_host = Path.Combine(AppContext.BaseDirectory, "OrleansFabric.TestSiloHost.dll");

    /// <summary>Durable grain writes/s, one write per call vs group commit, vs pgbench upserts at the same concurrency.</summary>
    public static async Task WritesAsync(int callers, int seconds, int grains)
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("writes");
        await using var dataSource = PostgreSqlFabric.CreateDataSource(connectionString);
        await PostgreSqlSchema.EnsureAsync(dataSource, 256, default);
        await using var silo = await TestSilo.StartAsync(services =>
        {
            services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, new PostgreSqlGrainStorage(dataSource, "bench"));
            services.AddGrain<IWriterGrain, WriterGrain>();
            services.AddGrain<IGroupWriterGrain, GroupWriterGrain>();
        });

        var plain = await MeasureAsync(callers, seconds, grains, (i, n) => silo.GrainFactory.GetGrain<IWriterGrain>($"w{i % grains}").WriteAsync(n));
        var grouped = await MeasureAsync(callers, seconds, grains, (i, n) => silo.GrainFactory.GetGrain<IGroupWriterGrain>($"g{i % grains}").WriteAsync(n));
        await using var count = dataSource.CreateCommand("select count(*) from fabric_grain_state");
        var pgbench = await PgbenchAsync(server, connectionString, callers, seconds, grains);

        Console.WriteLine($"| measurement ({callers} concurrent callers, {grains} grains / rows) | acknowledged durable updates/s | vs pgbench |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine(Row("grain, one state write per call", plain, pgbench));
        Console.WriteLine(Row("grain with [GroupCommit] (coalesced writes)", grouped, pgbench));
        Console.WriteLine(Row("pgbench: single-row upsert per transaction", pgbench, pgbench));
    }

    /// <summary>Latency of a read-only grain call made to the silo that owns the grain vs to the other silo (forwarded over HTTP/2).</summary>
    public static async Task ForwardAsync(int seconds, int concurrency)
    {
        await using var server = await PostgresServer.StartAsync();
        await using var cluster = await ProcessCluster.StartAsync(s_host, await server.CreateDatabaseAsync("forward"), 2, new Dictionary<string, string> { ["Fabric__Clustering__PartitionCount"] = "32" });
        await WaitForSpreadAsync(cluster);
        using var http = new HttpClient { BaseAddress = cluster.Members[0].Address };
        var owners = await OwnersAsync(http);
        var local = Keys(owners, cluster.Members[0].SiloEndpoint).Take(64).ToArray();
        var remote = Keys(owners, cluster.Members[1].SiloEndpoint).Take(64).ToArray();
        foreach (var key in local.Concat(remote))
        {
            (await http.PostAsync($"/test/ledgers/{key}/warm-{key}", null)).EnsureSuccessStatusCode();
        }

        await LatencyAsync(http, local, 2, concurrency);
        var (localP50, localP99, localRate) = await LatencyAsync(http, local, seconds, concurrency);
        var (remoteP50, remoteP99, remoteRate) = await LatencyAsync(http, remote, seconds, concurrency);
        Console.WriteLine($"| call to silo A ({concurrency} concurrent, read-only grain call over HTTP) | calls/s | p50 ms | p99 ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| grain owned by A (local) | {localRate:N0} | {localP50:F2} | {localP99:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| grain owned by B (forwarded A→B) | {remoteRate:N0} | {remoteP50:F2} | {remoteP99:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| forwarding adds | | {remoteP50 - localP50:F2} | {remoteP99 - localP99:F2} |"));
    }

    /// <summary>Time from kill -9 (and from SIGTERM) of a silo to the first successful call on one of its partitions.</summary>
    public static async Task FailoverAsync(int rounds)
    {
        await using var server = await PostgresServer.StartAsync();
        await using var cluster = await ProcessCluster.StartAsync(s_host, await server.CreateDatabaseAsync("failover"), 2, new Dictionary<string, string> { ["Fabric__Clustering__PartitionCount"] = "32" });
        Console.WriteLine("| round | stop | time to first successful call on a moved partition (s) |");
        Console.WriteLine("|---:|---|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var graceful in new[] { false, true })
            {
                await WaitForSpreadAsync(cluster);
                using var http = new HttpClient { BaseAddress = cluster.Members[0].Address, Timeout = TimeSpan.FromSeconds(60) };
                var victim = cluster.Members[1];
                var key = Keys(await OwnersAsync(http), victim.SiloEndpoint).First();
                (await http.PostAsync($"/test/ledgers/{key}/before-{round}-{graceful}", null)).EnsureSuccessStatusCode();
                var clock = Stopwatch.StartNew();
                Task stopping;
                if (graceful)
                {
                    stopping = victim.StopAsync();
                }
                else
                {
                    victim.Kill();
                    stopping = Task.CompletedTask;
                }

                for (var attempt = 0; attempt < 600; attempt++)
                {
                    using var response = await http.PostAsync($"/test/ledgers/{key}/after-{round}-{graceful}-{attempt}", null);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }

                var elapsed = clock.Elapsed;
                await stopping;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {(graceful ? "SIGTERM (graceful hand-off)" : "kill -9")} | {elapsed.TotalSeconds:F2} |"));
                await victim.StartAsync();
            }
        }
    }

    private static string Row(string name, double rate, double pgbench) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {rate:N0} | {rate / pgbench:F2}x |");

    private static async Task<double> MeasureAsync(int callers, int seconds, int grains, Func<int, int, Task<int>> call)
    {
        await Task.WhenAll(Enumerable.Range(0, grains).Select(i => call(i, 0)));
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < stop; n++)
            {
                await call(caller, n);
                Interlocked.Increment(ref done);
            }
        })));
        return done / clock.Elapsed.TotalSeconds;
    }

    /// <summary>pgbench's single-row jsonb upserts/s over <paramref name="rows"/> keys with <paramref name="clients"/> clients (also used by the ingest benchmark).</summary>
    internal static async Task<double> PgbenchAsync(PostgresServer server, string connectionString, int clients, int seconds, int rows)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await using var create = dataSource.CreateCommand("create table bench_kv (k int primary key, v jsonb not null)");
            await create.ExecuteNonQueryAsync();
        }

        var script = Path.Combine(Path.GetTempPath(), $"upsert-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, $"\\set k random(1, {rows})\ninsert into bench_kv (k, v) values (:k, '{{\"last\":1,\"writes\":1}}') on conflict (k) do update set v = excluded.v;\n");
        var pgbench = Directory.GetDirectories("/usr/lib/postgresql").Select(path => Path.Combine(path, "bin", "pgbench")).First(File.Exists);
        var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script, "-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        File.Delete(script);
        var match = TpsPattern().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"pgbench failed: {output}{await process.StandardError.ReadToEndAsync()}");
    }

    private static async Task<(double P50, double P99, double Rate)> LatencyAsync(HttpClient http, string[] keys, int seconds, int concurrency)
    {
        var samples = new System.Collections.Concurrent.ConcurrentBag<double>();
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            for (var n = worker; Stopwatch.GetTimestamp() < stop; n++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync($"/test/ledgers/{keys[n % keys.Length]}");
                response.EnsureSuccessStatusCode();
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var sorted = samples.Order().ToArray();
        return (sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], sorted.Length / clock.Elapsed.TotalSeconds);
    }

    private static async Task WaitForSpreadAsync(ProcessCluster cluster)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var ownership = await ProcessCluster.OwnershipAsync(cluster.Members[0]);
            if (ownership.Count == cluster.Members.Count && ownership.Values.All(owned => owned >= 32 / cluster.Members.Count))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException("The partitions did not spread.");
    }

    private static async Task<Dictionary<int, string>> OwnersAsync(HttpClient http)
    {
        var cluster = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "/v1/cluster");
        var endpoints = cluster.GetProperty("silos").EnumerateArray().ToDictionary(silo => silo.GetProperty("id").GetString()!, silo => silo.GetProperty("endpoint").GetString()!);
        return cluster.GetProperty("partitions").EnumerateArray()
            .Where(partition => partition.GetProperty("owner").ValueKind == System.Text.Json.JsonValueKind.String)
            .ToDictionary(partition => partition.GetProperty("partition").GetInt32(), partition => endpoints[partition.GetProperty("owner").GetString()!]);
    }

    private static IEnumerable<string> Keys(Dictionary<int, string> owners, string endpoint) =>
        Enumerable.Range(0, 100_000).Select(i => $"k{i}").Where(key => owners.GetValueOrDefault(new GrainId(new GrainType("ledger"), key).Partition(32)) == endpoint);

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();
}
