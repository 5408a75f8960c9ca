using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The ACF analysis's three scenarios: session grains on the PostgreSQL-durable silo process
/// (messages over <c>POST /v1/messages</c>, answers by webhook) against the per-session mutex they
/// replace (<see cref="MutexSessionBaseline"/>), with the same simulated brain.
/// </summary>
internal static class SessionBenchmarks
{
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(Options options)
    {
        var scale = options.Double("scale", 0.2);
        var sessions = options.Int("sessions", 50);
        var degradedSessions = options.Int("degraded-sessions", 200);
        await using var server = await PostgresServer.StartAsync();
        await using var gateway = await FakeGateway.StartAsync();
        await using var silo = await BenchSilo.StartReadyAsync(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("fabric"),
            ["Fabric__Sessions__Channels__aggregate__Strategy"] = "aggregate",
            ["Fabric__Sessions__Channels__queue__Strategy"] = "queue",
            ["Fabric__Sessions__AggregationWindowMs"] = ((int)(1500 * scale)).ToString(CultureInfo.InvariantCulture),
            ["Fabric__Sessions__MaxAggregationDelayMs"] = ((int)(5000 * scale)).ToString(CultureInfo.InvariantCulture),
            ["Fabric__Sessions__Brain__Kind"] = "openai",
            ["Fabric__Sessions__Brain__OpenAi__BaseUrl"] = gateway.BrainUrl.ToString(),
            ["Fabric__Sessions__Brain__OpenAi__Model"] = "simulated",
            ["Fabric__Sessions__Delivery__WebhookUrl"] = gateway.WebhookUrl.ToString(),
            ["Fabric__Sessions__Delivery__InitialBackoffMs"] = "100",
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Time scale {scale}: every duration of the analysis (brain, windows, lock timeouts) is multiplied by it; times below are scaled back to the analysis's seconds."));
        Console.WriteLine();
        Console.WriteLine("| scenario | design | messages | answered | errors | turns run | max turns / session | p50 s to answer | p99 s to answer | machine idle / stolen |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var failed = false;
        foreach (var scenario in new[] { SessionScenario.ChattyUser(sessions), SessionScenario.SlowTool(sessions), SessionScenario.LlmDegradation(degradedSessions) })
        {
            Console.WriteLine(await RunBaselineAsync(server, scenario, scale));
            foreach (var strategy in new[] { "aggregate", "queue" })
            {
                var (row, ok) = await RunFabricAsync(silo, gateway, scenario, scale, strategy);
                Console.WriteLine(row);
                failed |= !ok;
            }
        }

        return failed ? 3 : 0;
    }

    private static async Task<string> RunBaselineAsync(PostgresServer server, SessionScenario scenario, double scale)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("mutex")) { MaxPoolSize = 300 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await MutexSessionBaseline.CreateSchemaAsync(dataSource);
        var baseline = new MutexSessionBaseline(dataSource, scale);
        var brain = scenario.NewBrain(scale);
        var answeredAt = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var errors = 0;
        var cpu = CpuTimes.Sample(0, 0);
        brain.Start();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(scenario.Messages.Select(message => Task.Run(async () =>
        {
            await DelayUntilAsync(start, message.AtSeconds * scale);
            var sent = Stopwatch.GetTimestamp();
            try
            {
                if (await baseline.HandleAsync(message.SessionKey, message.MessageId, brain) == BaselineOutcome.Answered)
                {
                    answeredAt[message.MessageId] = Stopwatch.GetElapsedTime(sent).TotalSeconds / scale;
                    return;
                }
            }
            catch (NpgsqlException)
            {
                // counted below, like a busy session: the message got no answer
            }

            Interlocked.Increment(ref errors);
        })));

        return Row(scenario, "mutex per session (baseline, PostgreSQL advisory lock)", answeredAt.Values, errors, brain.Runs, brain.Runs / (double)scenario.Sessions, CpuTimes.Sample(0, 0).MachineShares(cpu));
    }

    private static async Task<(string Row, bool Ok)> RunFabricAsync(BenchSilo silo, FakeGateway gateway, SessionScenario scenario, double scale, string strategy)
    {
        var brain = scenario.NewBrain(scale);
        gateway.Reset(brain);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var errors = 0;
        var cpu = CpuTimes.Sample(0, 0);
        brain.Start();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(scenario.Messages.Select(message => Task.Run(async () =>
        {
            // The scenario's key with this strategy's channel: bench:{scenario}:{interlocutor}:{channel}.
            var parts = message.SessionKey.Split(':');
            var sessionKey = $"{parts[0]}:{parts[1]}:{parts[2]}:{strategy}";
            await DelayUntilAsync(start, message.AtSeconds * scale);
            var id = $"{sessionKey}|{message.MessageId}";
            sentAt[id] = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.PostAsJsonAsync(new Uri("/v1/messages", UriKind.Relative), new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["message_id"] = message.MessageId,
                    ["tenant_id"] = parts[0],
                    ["agent_id"] = parts[1],
                    ["interlocutor_id"] = parts[2],
                    ["channel"] = strategy,
                    ["text"] = id,
                });
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // counted below
            }
            catch (TaskCanceledException)
            {
                // counted below
            }

            sentAt.TryRemove(id, out _);
            Interlocked.Increment(ref errors);
        })));

        // Every accepted message is answered: wait (bounded) for the last answers.
        var drain = Stopwatch.StartNew();
        while (sentAt.Keys.Any(id => !gateway.AnsweredAt.ContainsKey(id)) && drain.Elapsed < s_drainLimit)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        var latencies = sentAt.Where(pair => gateway.AnsweredAt.ContainsKey(pair.Key))
            .Select(pair => Stopwatch.GetElapsedTime(pair.Value, gateway.AnsweredAt[pair.Key]).TotalSeconds / scale)
            .ToArray();
        var ok = errors == 0 && latencies.Length == scenario.Messages.Count;
        return (Row(scenario, $"session grain ({strategy}), PostgreSQL silo process", latencies, errors, brain.Runs, gateway.MaxTurnsPerSession, CpuTimes.Sample(0, 0).MachineShares(cpu)), ok);
    }

    private static async Task DelayUntilAsync(long start, double seconds)
    {
        var wait = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static string Row(SessionScenario scenario, string design, ICollection<double> latencies, int errors, int turns, double maxTurnsPerSession, (double Idle, double Stolen) shares)
    {
        var sorted = latencies.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"| {scenario.Name} | {design} | {scenario.Messages.Count:N0} | {sorted.Length:N0} | {errors:N0} | {turns:N0} | {maxTurnsPerSession:0.#} | {Percentile(sorted, 0.50):F1} | {Percentile(sorted, 0.99):F1} | {shares.Idle:P0} / {shares.Stolen:P0} |");
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * quantile))];
}
