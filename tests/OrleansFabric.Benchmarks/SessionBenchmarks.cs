using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansFabric.PostgreSql;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.Sessions;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 4's comparison: session grains against the per-session distributed mutex they
/// replace, on the ACF analysis's three scenarios with the same simulated brain, and the
/// fabric's own overhead from a message's acknowledgement to its turn's start.
/// </summary>
internal static class SessionBenchmarks
{
    /// <summary>Runs the three scenarios on the baseline and on the fabric (aggregate and queue strategies), time-scaled by <paramref name="scale"/>.</summary>
    public static async Task CompareAsync(double scale, int sessions, int degradedSessions)
    {
        await using var server = await PostgresServer.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Time scale {scale}: every duration of the analysis (brain, windows, lock timeouts) is multiplied by it; times below are scaled back to the analysis's seconds."));
        Console.WriteLine();
        Console.WriteLine("| scenario | design | messages | answered | errors | turns run | max turns / session | p50 s to answer | p99 s to answer |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var scenario in new[] { SessionScenario.ChattyUser(sessions), SessionScenario.SlowTool(sessions), SessionScenario.LlmDegradation(degradedSessions) })
        {
            Console.WriteLine(await RunBaselineAsync(server, scenario, scale));
            Console.WriteLine(await RunFabricAsync(server, scenario, scale, "aggregate"));
            Console.WriteLine(await RunFabricAsync(server, scenario, scale, "queue"));
        }
    }

    /// <summary>p50/p99 from a message's acknowledgement to the start of its turn, with a zero-delay brain at <paramref name="rate"/> messages/s.</summary>
    public static async Task OverheadAsync(int rate, int seconds, int postgresRate)
    {
        await using var server = await PostgresServer.StartAsync();
        Console.WriteLine($"| storage | messages/s offered | acknowledged | errors | p50 ms ack → turn start | p99 ms | max ms | p99 ms to acknowledge |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(await OverheadRowAsync(null, rate, seconds));
        Console.WriteLine(await OverheadRowAsync(server, rate, seconds));
        if (postgresRate != rate)
        {
            Console.WriteLine(await OverheadRowAsync(server, postgresRate, seconds));
        }
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

        return Row(scenario, "mutex per session (baseline)", answeredAt.Values, errors, brain.Runs, brain.Runs / (double)scenario.Sessions);
    }

    private static async Task<string> RunFabricAsync(PostgresServer server, SessionScenario scenario, double scale, string strategy)
    {
        await using var dataSource = PostgreSqlFabric.CreateDataSource(await server.CreateDatabaseAsync("fabric"));
        await PostgreSqlSchema.EnsureAsync(dataSource, 256, default);
        var brain = scenario.NewBrain(scale);
        var webhook = new RecordingWebhook();
        using var host = await StartFabricAsync(new SimulatedBrain(brain), webhook, dataSource, new Dictionary<string, string?>
        {
            ["Fabric:Sessions:DefaultStrategy"] = strategy,
            ["Fabric:Sessions:Channels:sms:Strategy"] = strategy,
            ["Fabric:Sessions:AggregationWindowMs"] = ((int)(1500 * scale)).ToString(CultureInfo.InvariantCulture),
            ["Fabric:Sessions:MaxAggregationDelayMs"] = ((int)(5000 * scale)).ToString(CultureInfo.InvariantCulture),
            ["Fabric:Sessions:Delivery:WebhookUrl"] = "http://gateway.invalid/answers",
        });
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var errors = 0;
        brain.Start();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(scenario.Messages.Select(message => Task.Run(async () =>
        {
            await DelayUntilAsync(start, message.AtSeconds * scale);
            sentAt[message.MessageId] = Stopwatch.GetTimestamp();
            try
            {
                var result = await grains.GetGrain<ISessionGrain>(message.SessionKey).SubmitAsync(new IncomingMessage(message.MessageId, "hello", null, null));
                if (result.Outcome == SubmitOutcome.Accepted)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // counted below
            }

            sentAt.TryRemove(message.MessageId, out _);
            Interlocked.Increment(ref errors);
        })));

        // Every accepted message is answered: wait (bounded) for the last answers.
        var drain = Stopwatch.StartNew();
        while (sentAt.Keys.Any(id => !webhook.AnsweredAt.ContainsKey(id)) && drain.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        var latencies = sentAt.Where(pair => webhook.AnsweredAt.ContainsKey(pair.Key))
            .Select(pair => Stopwatch.GetElapsedTime(pair.Value, webhook.AnsweredAt[pair.Key]).TotalSeconds / scale);
        var maxTurns = scenario.Messages.GroupBy(message => message.SessionKey).Max(session => session.Select(message => message.MessageId).Where(webhook.AnsweredAt.ContainsKey).Select(id => webhook.AnsweredAt[id]).Distinct().Count());
        await host.StopAsync();
        return Row(scenario, $"session grain ({strategy})", [.. latencies], errors, brain.Runs, maxTurns);
    }

    private static async Task<string> OverheadRowAsync(PostgresServer? server, int rate, int seconds)
    {
        NpgsqlDataSource? dataSource = null;
        if (server is not null)
        {
            dataSource = PostgreSqlFabric.CreateDataSource(await server.CreateDatabaseAsync("overhead"));
            await PostgreSqlSchema.EnsureAsync(dataSource, 256, default);
        }

        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var started = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var brain = new StartRecordingBrain(started);
        using var host = await StartFabricAsync(brain, new RecordingWebhook(), dataSource, new Dictionary<string, string?> { ["Fabric:Sessions:DefaultStrategy"] = "queue", ["Fabric:Sessions:Channels:sms:Strategy"] = "queue" });
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var total = rate * seconds;
        var sessions = Math.Max(1, rate * 10);
        var errors = 0;
        var ackLatencies = new ConcurrentBag<double>();
        var start = Stopwatch.GetTimestamp();
        var calls = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            // Open loop: message i is due at i / rate seconds, whatever the previous ones do.
            var due = i / (double)rate;
            if (Stopwatch.GetElapsedTime(start).TotalSeconds < due)
            {
                await DelayUntilAsync(start, due);
            }

            var id = $"m{i}";
            var session = grains.GetGrain<ISessionGrain>($"bench:agent:+4670{i % sessions:D7}:sms");
            calls.Add(Task.Run(async () =>
            {
                try
                {
                    var asked = Stopwatch.GetTimestamp();
                    await session.SubmitAsync(new IncomingMessage(id, "ping", null, null));
                    acknowledged[id] = Stopwatch.GetTimestamp();
                    ackLatencies.Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref errors);
                }
            }));
        }

        await Task.WhenAll(calls);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var drain = Stopwatch.StartNew();
        while (started.Count < acknowledged.Count && drain.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        await host.StopAsync();
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        var ackTimes = ackLatencies.Order().ToArray();

        // A turn may start before its caller sees the acknowledgement: that is no delay.
        var delays = acknowledged.Where(pair => started.ContainsKey(pair.Key))
            .Select(pair => Math.Max(0, Stopwatch.GetElapsedTime(pair.Value, started[pair.Key]).TotalMilliseconds))
            .Order()
            .ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"| {(server is null ? "embedded (in-memory)" : "PostgreSQL")} | {rate:N0} | {acknowledged.Count:N0} of {total:N0} | {errors:N0} | {Percentile(delays, 0.50):F2} | {Percentile(delays, 0.99):F2} | {delays[^1]:F2} | {Percentile(ackTimes, 0.99):F2} |");
    }

    private static async Task<IHost> StartFabricAsync(IBrain brain, IWebhookSender webhook, NpgsqlDataSource? dataSource, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFabricRuntime(builder.Configuration);
        builder.Services.AddSessions(builder.Configuration);
        builder.Services.AddSingleton(brain);
        builder.Services.AddSingleton(webhook);
        if (dataSource is not null)
        {
            // Acknowledged means durable: state and reminders in PostgreSQL, as a PostgreSql-provider silo keeps them.
            builder.Services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, new PostgreSqlGrainStorage(dataSource, "bench"));
            builder.Services.AddSingleton<IReminderTable>(new PostgreSqlReminderTable(dataSource));
        }

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task DelayUntilAsync(long start, double seconds)
    {
        var wait = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static string Row(SessionScenario scenario, string design, ICollection<double> latencies, int errors, int turns, double maxTurnsPerSession)
    {
        var sorted = latencies.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"| {scenario.Name} | {design} | {scenario.Messages.Count:N0} | {sorted.Length:N0} | {errors:N0} | {turns:N0} | {maxTurnsPerSession:0.#} | {Percentile(sorted, 0.50):F1} | {Percentile(sorted, 0.99):F1} |");
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * quantile))];

    /// <summary>A zero-delay brain that notes when each message's turn started.</summary>
    private sealed class StartRecordingBrain(ConcurrentDictionary<string, long> started) : IBrain
    {
        public Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var message in input.Messages)
            {
                started.TryAdd(message.MessageId, now);
            }

            return Task.FromResult(new BrainReply("pong"));
        }
    }
}
