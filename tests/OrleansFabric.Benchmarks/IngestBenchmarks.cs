using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16: <c>POST /v1/messages</c> throughput measured with wrk, side by side in one run:
/// a bare Kestrel endpoint in this process (the ceiling), the silo process on its embedded
/// default (Localhost clustering, memory persistence), the silo process with PostgreSQL grain
/// state (each 202 durable), Kestrel plus one autocommitted upsert per message (a service
/// without the fabric), and pgbench's upsert rate on the same server. wrk, the servers and
/// PostgreSQL share the machine's cores; the CPU each process spent per message is printed.
/// </summary>
internal static class IngestBenchmarks
{
    private static readonly string[] s_targets = ["kestrel", "kestrel-grain", "embedded", "postgres", "postgres-orleans", "kestrel-postgres"];

    /// <summary>How long a silo may take to answer every accepted message after a run.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Runs the selected targets <c>--rounds</c> times, in turn. <c>--warmup</c> is the unmeasured
    /// load before each in-process target's run (three times as long in round 1: tiered JIT
    /// compilation needs 20-30 s of load on 2 shared cores to settle, and later rounds reuse this
    /// process's compiled code); <c>--silo-warmup</c> the load before each silo's run (every round
    /// starts a fresh silo process; the warm-up also activates the sessions).
    /// </summary>
    public static async Task<int> RunAsync(Options options)
    {
        var connections = options.Int("connections", 64);
        var seconds = options.Int("seconds", 10);
        var threads = options.Int("threads", 2);
        var sessions = options.Int("sessions", 10_000);
        var warmUp = options.Int("warmup", 10);
        var siloWarmUp = options.Int("silo-warmup", 20);
        var rounds = options.Int("rounds", 3);
        // Environment for every silo process, e.g. the runtime's GC settings: --silo-env DOTNET_gcServer=0,DOTNET_GCgen0size=0x4000000
        var siloEnvironment = options.Get("silo-env", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);
        var selected = options.Get("targets", string.Join(',', s_targets)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (selected.Except(s_targets, StringComparer.OrdinalIgnoreCase).FirstOrDefault() is { } unknown)
        {
            Console.Error.WriteLine($"ingest: unknown target '{unknown}' ({string.Join(", ", s_targets)}).");
            return 2;
        }

        if (Wrk.Find() is not { } wrk)
        {
            Console.Error.WriteLine("ingest needs wrk, which is not installed: run `apt-get install -y wrk` (Debian) and try again.");
            return 1;
        }

        var script = Path.Combine(Path.GetTempPath(), $"ingest-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Wrk.Script(sessions));
        try
        {
            var settings = $"wrk -t{threads} -c{connections} -d{seconds}s, {sessions:N0} sessions";
            Console.WriteLine($"wrk settings for every target: {settings}; warm-up {warmUp} s ({3 * warmUp} s in round 1) in this process, {siloWarmUp} s for each fresh silo process; {rounds} round(s)");
            if (siloEnvironment.Count > 0)
            {
                Console.WriteLine($"every silo process also gets: {string.Join(", ", siloEnvironment.Select(pair => $"{pair.Key}={pair.Value}"))}");
            }

            var load = new Load(wrk, script, connections, seconds, threads);
            var rows = new List<string>();
            var medians = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var lost = 0L;
            for (var round = 1; round <= rounds; round++)
            {
                var warm = round == 1 ? 3 * warmUp : warmUp;
                var bare = default(WrkResult);
                if (selected.Contains("kestrel"))
                {
                    bare = await MeasureKestrelAsync(load, warm, store: null, postmaster: 0, medians);
                    rows.Add(Row(round, "bare Kestrel: read + parse JSON, 202", bare, "1.00x of Kestrel", null));
                }

                if (selected.Contains("kestrel-grain"))
                {
                    var called = await MeasureKestrelAsync(load, warm, store: null, postmaster: 0, medians, grainCall: true);
                    rows.Add(Row(round, "Kestrel + one Orleans call per message (no-op grain per session, in-process silo), 202", called, selected.Contains("kestrel") ? Ratio(medians, "Kestrel + grain call", called.Rate, bare.Rate, "bare Kestrel") : string.Empty, null));
                }

                if (selected.Contains("embedded"))
                {
                    var embedded = await MeasureSiloAsync(load, siloWarmUp, sessions, postmaster: 0, new Dictionary<string, string>(siloEnvironment, StringComparer.Ordinal), medians);
                    lost += embedded.Lost;
                    Add(medians, "embedded p99 ms", embedded.Run.P99);
                    rows.Add(Row(round, "silo process, embedded default (Localhost, memory)", embedded.Run, selected.Contains("kestrel") ? Ratio(medians, "embedded silo", embedded.Run.Rate, bare.Rate, "bare Kestrel") : string.Empty, (embedded.DrainSeconds, embedded.Lost)));
                }

                if (selected.Contains("postgres") || selected.Contains("postgres-orleans") || selected.Contains("kestrel-postgres"))
                {
                    await using var server = await PostgresServer.StartAsync();
                    var postmaster = await PostmasterAsync(server.ConnectionString);
                    var durable = default((WrkResult Run, double DrainSeconds, long Lost));
                    if (selected.Contains("postgres"))
                    {
                        durable = await MeasureSiloAsync(load, siloWarmUp, sessions, postmaster, new Dictionary<string, string>(siloEnvironment, StringComparer.Ordinal)
                        {
                            ["Fabric__Persistence__Provider"] = "AdoNet",
                            ["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("ingest"),
                        }, medians);
                        lost += durable.Lost;
                    }

                    // The same silo with Orleans' own ADO.NET grain storage (Persistence:GrainStorage=Orleans), side by side.
                    var stock = default((WrkResult Run, double DrainSeconds, long Lost));
                    if (selected.Contains("postgres-orleans"))
                    {
                        stock = await MeasureSiloAsync(load, siloWarmUp, sessions, postmaster, new Dictionary<string, string>(siloEnvironment, StringComparer.Ordinal)
                        {
                            ["Fabric__Persistence__Provider"] = "AdoNet",
                            ["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("ingest"),
                            ["Fabric__Persistence__GrainStorage"] = "Orleans",
                        }, medians, "silo, PostgreSQL, Orleans' ADO.NET storage");
                        lost += stock.Lost;
                    }

                    var upserting = default(WrkResult);
                    if (selected.Contains("kestrel-postgres"))
                    {
                        // The silo's Npgsql settings: Maximum Pool Size 20 (Persistence:MaxPoolSize), and the journal
                        // store's own (statements prepared, planned once per connection), so the upsert gets them too.
                        var storeConnection = PostgreSqlJournalStore.ConnectionSettings(
                            new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("kestrel")) { MaxPoolSize = 20 }.ConnectionString);
                        await using var store = NpgsqlDataSource.Create(storeConnection);
                        upserting = await MeasureKestrelAsync(load, warm, store, postmaster, medians);
                    }

                    var pgbenchDatabase = await server.CreateDatabaseAsync("pgbench");
                    var before = CpuTimes.Sample(0, postmaster);
                    var pgbench = await Pgbench.RunAsync(server, pgbenchDatabase, connections, seconds, sessions);
                    await BackendsGoneAsync(pgbenchDatabase);
                    var after = CpuTimes.Sample(0, postmaster);
                    Console.WriteLine($"pgbench: {pgbench:N0} upserts/s; CPU per upsert: {after.PerMessage(before, (long)(pgbench * seconds), server: null, postgreSql: true, "pgbench")}");
                    RecordShares(medians, after, before);
                    if (selected.Contains("postgres"))
                    {
                        rows.Add(Row(round, "silo process, PostgreSQL (journaled storage; each 202 durable)", durable.Run, Ratio(medians, "PostgreSQL silo", durable.Run.Rate, pgbench, "pgbench"), (durable.DrainSeconds, durable.Lost)));
                        Add(medians, "PostgreSQL silo p99 ms", durable.Run.P99);
                    }

                    if (selected.Contains("postgres-orleans"))
                    {
                        var versus = selected.Contains("postgres") ? "; journaled " + Ratio(medians, "PostgreSQL silo, journaled", durable.Run.Rate, stock.Run.Rate, "Orleans' storage") : string.Empty;
                        rows.Add(Row(round, "silo process, PostgreSQL (Orleans' ADO.NET storage; each 202 durable)", stock.Run, Ratio(medians, "PostgreSQL silo, Orleans' storage", stock.Run.Rate, pgbench, "pgbench") + versus, (stock.DrainSeconds, stock.Lost)));
                    }

                    if (selected.Contains("kestrel-postgres"))
                    {
                        var ratio = selected.Contains("postgres") ? "; silo " + Ratio(medians, "PostgreSQL silo", durable.Run.Rate, upserting.Rate, "Kestrel + upsert") : string.Empty;
                        rows.Add(Row(round, "Kestrel + one autocommitted upsert per message (Npgsql), 202", upserting, Ratio(medians, "Kestrel + upsert", upserting.Rate, pgbench, "pgbench") + ratio, null));
                    }

                    rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {round} | pgbench: single-row upsert per transaction, {connections} clients | {pgbench:N0} | | | | 1.00x of pgbench | | |"));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"| round | target ({settings}) | accepted (202)/s | errors | p50 ms | p99 ms | ratio | drained in s | lost |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
            Console.WriteLine();
            foreach (var (name, values) in medians)
            {
                values.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: median {values[values.Count / 2]:F2} over {values.Count} measurement(s) ({string.Join(", ", values.Select(value => value.ToString("F2", CultureInfo.InvariantCulture)))})"));
            }

            return lost == 0 ? 0 : 3;
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// The silo host runs server GC (the Web SDK's default), this process workstation GC unless
    /// told otherwise. The in-process Kestrel targets are compared with the silo, so the
    /// benchmark runs itself again with <c>DOTNET_gcServer=1</c>: every server is measured under
    /// the same collector. <c>--server-gc false</c> skips this.
    /// </summary>
    public static async Task<int> RunUnderServerGcAsync(string[] args)
    {
        Console.WriteLine("ingest: running again under server GC, the silo host's collector (--server-gc false keeps this process's)");
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        start.ArgumentList.Add(typeof(IngestBenchmarks).Assembly.Location);
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    private static void Add(Dictionary<string, List<double>> medians, string name, double value)
    {
        if (!medians.TryGetValue(name, out var values))
        {
            medians[name] = values = [];
        }

        values.Add(value);
    }

    private static void RecordShares(Dictionary<string, List<double>> medians, CpuTimes after, CpuTimes before)
    {
        var (idle, stolen) = after.MachineShares(before);
        Add(medians, "machine idle % (every measured run)", idle * 100);
        Add(medians, "machine stolen % (every measured run)", stolen * 100);
    }

    /// <summary>Formats a ratio and keeps it for the median.</summary>
    private static string Ratio(Dictionary<string, List<double>> medians, string target, double rate, double reference, string referenceName)
    {
        var ratio = rate / reference;
        Add(medians, $"{target} / {referenceName} (x)", ratio);
        return string.Create(CultureInfo.InvariantCulture, $"{ratio:F2}x of {referenceName}");
    }

    private static string Row(int round, string name, WrkResult run, string ratio, (double DrainSeconds, long Lost)? check) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {round} | {name} | {run.Rate:N0} | {run.Errors:N0} | {run.P50:F2} | {run.P99:F2} | {ratio} | {(check is { } c ? c.DrainSeconds.ToString("F1", CultureInfo.InvariantCulture) : string.Empty)} | {(check is { } l ? l.Lost.ToString(CultureInfo.InvariantCulture) : string.Empty)} |");

    /// <summary>
    /// Kestrel in this process reading the same body, parsing it with System.Text.Json and
    /// answering 202 with a small JSON body. With a <paramref name="store"/>, each request first
    /// upserts its message (one row per session, one autocommitted statement per request). With
    /// <paramref name="grainCall"/>, the process also hosts an Orleans silo (Orleans' defaults)
    /// and each request awaits one call to a grain that does nothing, one grain per session
    /// (<see cref="NoopGrain"/>): the ceiling, on this machine, of any design that makes each
    /// session a grain.
    /// </summary>
    private static async Task<WrkResult> MeasureKestrelAsync(Load load, int warmUp, NpgsqlDataSource? store, int postmaster, Dictionary<string, List<double>> medians, bool grainCall = false)
    {
        if (store is not null)
        {
            await using var create = store.CreateCommand("create table bench_messages (session_key text primary key, message_id text not null, message text not null)");
            await create.ExecuteNonQueryAsync();
        }

        var (name, run) = (store, grainCall) switch
        {
            (not null, _) => ("Kestrel + upsert", "upsert"),
            (null, true) => ("Kestrel + grain call", "grain"),
            _ => ("bare Kestrel", "bare"),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (grainCall)
        {
            builder.UseOrleans(silo => silo.UseLocalhostClustering(FreePort.Next(), FreePort.Next()));
        }

        await using var app = builder.Build();
        var grains = grainCall ? app.Services.GetRequiredService<IGrainFactory>() : null;
        app.MapPost("/v1/messages", (HttpContext context) => AcceptAsync(context, store, grains));
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "/v1/messages");
        await load.RunAsync(url, warmUp, $"{run}-warm");
        var result = await MeasuredAsync(name, server: 0, postmaster, medians, () => load.RunAsync(url, load.Seconds, run));
        await app.StopAsync();
        return result;
    }

    private static async Task AcceptAsync(HttpContext context, NpgsqlDataSource? store, IGrainFactory? grains)
    {
        // The work a real endpoint cannot avoid: the whole body read, parsed and checked for its
        // fields, and a JSON answer naming the session.
        using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        var root = document.RootElement;
        var messageId = root.GetProperty("message_id").GetString();
        var sessionKey = string.Join(':', root.GetProperty("tenant_id").GetString(), root.GetProperty("agent_id").GetString(), root.GetProperty("interlocutor_id").GetString(), root.GetProperty("channel").GetString());
        if (string.IsNullOrEmpty(messageId) || root.GetProperty("text").ValueKind != JsonValueKind.String)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (store is not null)
        {
            await using var command = store.CreateCommand(
                "insert into bench_messages (session_key, message_id, message) values ($1, $2, $3) " +
                "on conflict (session_key) do update set message_id = excluded.message_id, message = excluded.message");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionKey });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = root.GetRawText() });
            await command.ExecuteNonQueryAsync(context.RequestAborted);
        }

        if (grains is not null)
        {
            await grains.GetGrain<INoopGrain>(sessionKey).NoopAsync();
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"session_key":"{{sessionKey}}","message_id":"{{messageId}}","status":"accepted","queue_depth":1}""", context.RequestAborted);
    }

    /// <summary>
    /// A fresh silo process (the <c>queue</c> strategy for <c>sms</c>, echo brain without delay:
    /// one turn per message), a warm-up, the measured run, then the check that every accepted
    /// message was answered or is still pending: wrk's count against every session's
    /// <c>GET /v1/sessions/{key}</c>.
    /// </summary>
    private static async Task<(WrkResult Run, double DrainSeconds, long Lost)> MeasureSiloAsync(
        Load load, int warmUp, int sessions, int postmaster, Dictionary<string, string> extra, Dictionary<string, List<double>> medians, string? label = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Sessions__Channels__sms__Strategy"] = "queue",
            ["Fabric__Sessions__Brain__Kind"] = "echo",
            ["Fabric__Sessions__Brain__DelayMs"] = "0",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var durable = postmaster > 0;
        var name = label ?? (durable ? "silo, PostgreSQL" : "silo, embedded");
        await using var silo = await BenchSilo.StartReadyAsync(settings);
        using var http = new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri(silo.Address, "/v1/messages");
        var warm = await load.RunAsync(url, warmUp, durable ? "pg-warm" : "mem-warm");
        var run = await MeasuredAsync(name, silo.Process.ProcessId, postmaster, medians, () => load.RunAsync(url, load.Seconds, durable ? "pg" : "mem"));

        // wrk stops with requests in flight: the silo may have accepted up to one per connection
        // per wrk run that wrk never counted, so those are allowed on top.
        var acknowledged = warm.Accepted + run.Accepted;
        var clock = Stopwatch.StartNew();
        var (answered, pending) = await CountMessagesAsync(http, sessions);
        for (var attempt = 0; pending > 0 && clock.Elapsed < s_drainLimit; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (attempt + 1))));
            (answered, pending) = await CountMessagesAsync(http, sessions);
        }

        var drained = clock.Elapsed.TotalSeconds;
        var lost = Math.Max(0, acknowledged - answered - pending);
        var extraAccepted = answered + pending - acknowledged;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: wrk saw {acknowledged:N0} accepted (warm-up + run); sessions hold {answered:N0} answered + {pending:N0} pending after {drained:F1} s; lost {lost}, beyond wrk's count {extraAccepted} (allowed: in flight at wrk's stops, at most {2 * load.Connections})"));
        if (pending > 0 || extraAccepted > 2 * load.Connections)
        {
            Console.WriteLine($"{name}: CHECK FAILED: {pending} messages still pending, {extraAccepted} more answered than acknowledged");
            lost = Math.Max(lost, 1);
        }

        await silo.StopAsync();
        return (run, drained, lost);
    }

    /// <summary>Runs wrk and says where the CPU went meanwhile, per accepted message, and how idle and stolen the machine was.</summary>
    private static async Task<WrkResult> MeasuredAsync(string name, int server, int postmaster, Dictionary<string, List<double>> medians, Func<Task<WrkResult>> run)
    {
        var before = CpuTimes.Sample(server, postmaster);
        var result = await run();
        var after = CpuTimes.Sample(server, postmaster);
        RecordShares(medians, after, before);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: {result.Rate:N0} accepted/s, {result.Errors} errors, p99 {result.P99:F2} ms; CPU per accepted message: {after.PerMessage(before, result.Accepted, server == 0 ? "this process (the server)" : "the silo process", postmaster > 0, "wrk")}"));
        return result;
    }

    /// <summary>Waits (at most 10 s) until no backend serves <paramref name="connectionString"/>'s database but this one: a backend's CPU time counts once the server has reaped it.</summary>
    internal static async Task BackendsGoneAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
        for (var attempt = 0; attempt < 200 && (long)(await command.ExecuteScalarAsync())! > 0; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The process id of the PostgreSQL server behind <paramref name="connectionString"/>: the parent of a backend.</summary>
    internal static async Task<int> PostmasterAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("select pg_backend_pid()");
        return CpuTimes.ParentOf((int)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>Every session the script wrote to, read through <c>GET /v1/sessions/{key}</c>: turns completed (one per message under <c>queue</c>) and messages still pending.</summary>
    internal static async Task<(long Answered, long Pending)> CountMessagesAsync(HttpClient http, int sessions)
    {
        long answered = 0;
        long pending = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (who, cancellationToken) =>
        {
            var key = Uri.EscapeDataString($"bench:ingest:{Wrk.Interlocutor(who)}:sms");
            using var response = await http.GetAsync(new Uri($"/v1/sessions/{key}", UriKind.Relative), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            response.EnsureSuccessStatusCode();
            var session = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            Interlocked.Add(ref answered, session.GetProperty("turns_completed").GetInt64());
            Interlocked.Add(ref pending, session.GetProperty("pending_message_ids").GetArrayLength());
        });
        return (answered, pending);
    }
}
