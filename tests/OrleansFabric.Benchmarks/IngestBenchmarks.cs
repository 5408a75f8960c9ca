using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansFabric.PostgreSql;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 4: <c>POST /v1/messages</c> throughput measured with wrk against a bare Kestrel
/// endpoint (the ceiling), the embedded silo and the PostgreSQL silo, plus pgbench's upsert
/// rate at the same concurrency, and a Kestrel endpoint that makes each message durable itself
/// (one upsert per request: what a service without the fabric would do). wrk, the server and
/// PostgreSQL share the machine's cores.
/// </summary>
internal static partial class IngestBenchmarks
{
    /// <summary>How long the silo may take to answer every accepted message after a run.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromMinutes(5);

    /// <param name="warmUp">
    /// Seconds of unmeasured load before each measured run: it activates every session, so the
    /// run measures existing sessions. In the first round each target warms up three times as
    /// long: tiered JIT compilation, cold then, needs 20-30 s of load on 2 shared cores to reach
    /// steady state (measured with <c>dotnet-counters</c> on the PostgreSQL silo: methods were
    /// still being compiled 20 s into the load, and a first round after 10 s ran at two thirds
    /// of the later rounds' rate). Later rounds reuse the compiled code: the targets run in
    /// this process.
    /// </param>
    /// <param name="targets">
    /// Which targets to measure, comma-separated: <c>kestrel</c>, <c>embedded</c>, <c>postgres</c>,
    /// <c>kestrel-postgres</c> (pgbench runs with either of the last two). All four by default;
    /// <c>kestrel,embedded</c> skips PostgreSQL when only the embedded ratio matters.
    /// </param>
    /// <param name="rounds">
    /// How many times to measure every target, in turn. This machine is noisy: one run's ratio
    /// varies by about a tenth either way, so several rounds and their median say more.
    /// </param>
    public static async Task<int> RunAsync(int connections, int seconds, int threads, int sessions, int warmUp, string targets, int rounds)
    {
        var selected = targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (selected.Except(["kestrel", "embedded", "postgres", "kestrel-postgres"], StringComparer.OrdinalIgnoreCase).FirstOrDefault() is { } unknown)
        {
            Console.Error.WriteLine($"ingest: unknown target '{unknown}' (kestrel, embedded, postgres, kestrel-postgres).");
            return 2;
        }

        if (FindWrk() is not { } wrk)
        {
            Console.Error.WriteLine("ingest needs wrk, which is not installed: run `apt-get install -y wrk` (Debian) and try again.");
            return 1;
        }

        var script = Path.Combine(Path.GetTempPath(), $"ingest-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, WrkScript(sessions));
        try
        {
            var settings = $"wrk -t{threads} -c{connections} -d{seconds}s, {sessions:N0} sessions";
            Console.WriteLine($"wrk settings for every target: {settings} (each after a {warmUp} s unmeasured warm-up run, {FirstWarmUp(warmUp)} s in round 1), {rounds} round(s)");
            var rows = new List<string>();
            var ratios = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var lost = 0L;
            for (var round = 1; round <= rounds; round++)
            {
                var warm = round == 1 ? FirstWarmUp(warmUp) : warmUp;
                var bare = selected.Contains("kestrel") ? await MeasureBareKestrelAsync(wrk, script, connections, seconds, threads, warm, null, postmaster: 0) : default;
                if (selected.Contains("kestrel"))
                {
                    rows.Add(Row(round, "bare Kestrel: read + parse JSON, 202", bare, "1.00x of Kestrel", null));
                }

                if (selected.Contains("embedded"))
                {
                    var embedded = await MeasureSiloAsync(wrk, script, connections, seconds, threads, warm, sessions, postmaster: 0, []);
                    lost += embedded.Lost;
                    rows.Add(Row(round, "silo, embedded default (in-memory)", embedded.Wrk, selected.Contains("kestrel") ? Ratio(ratios, "embedded", embedded.Wrk.Rate, bare.Rate, "Kestrel") : "", (embedded.DrainSeconds, embedded.Lost)));
                }

                if (selected.Contains("postgres") || selected.Contains("kestrel-postgres"))
                {
                    await using var server = await PostgresServer.StartAsync();
                    var connectionString = await server.CreateDatabaseAsync("ingest");
                    var postmaster = await PostmasterAsync(connectionString);
                    var durable = selected.Contains("postgres")
                        ? await MeasureSiloAsync(wrk, script, connections, seconds, threads, warm, sessions, postmaster, [
                            "--Fabric:Clustering:Provider=PostgreSql",
                            $"--Fabric:Clustering:ConnectionString={connectionString}",
                            "--Fabric:Clustering:ClusterSecret=ingest-benchmark-secret",
                            $"--Fabric:Clustering:SiloPort={FreePort.Next()}",
                            "--Fabric:Clustering:AdvertisedHost=127.0.0.1",
                        ])
                        : default;
                    lost += durable.Lost;
                    var upserting = default((long Accepted, long Errors, double Rate, double P50, double P99));
                    if (selected.Contains("kestrel-postgres"))
                    {
                        await using var store = PostgreSqlFabric.CreateDataSource(await server.CreateDatabaseAsync("kestrel"));
                        upserting = await MeasureBareKestrelAsync(wrk, script, connections, seconds, threads, warm, store, postmaster);
                    }

                    var pgbenchDatabase = await server.CreateDatabaseAsync("pgbench");
                    var before = CpuTimes.Sample(postmaster);
                    var pgbench = await ClusterBenchmarks.PgbenchAsync(server, pgbenchDatabase, connections, seconds, sessions);
                    await BackendsGoneAsync(pgbenchDatabase);
                    Console.WriteLine($"pgbench: CPU per upsert (at {pgbench:N0} upserts/s): {CpuTimes.Sample(postmaster).PerMessage(before, (long)(pgbench * seconds), server: null, postgreSql: true, "pgbench")}");
                    if (selected.Contains("postgres"))
                    {
                        rows.Add(Row(round, "silo, PostgreSQL (each 202 durable)", durable.Wrk, Ratio(ratios, "PostgreSQL silo", durable.Wrk.Rate, pgbench, "pgbench"), (durable.DrainSeconds, durable.Lost)));
                    }

                    if (selected.Contains("kestrel-postgres"))
                    {
                        rows.Add(Row(round, "Kestrel + one upsert per message (Npgsql), then 202", upserting, Ratio(ratios, "Kestrel + upsert", upserting.Rate, pgbench, "pgbench"), null));
                        if (selected.Contains("postgres"))
                        {
                            Ratio(ratios, "PostgreSQL silo", durable.Wrk.Rate, upserting.Rate, "Kestrel + upsert");
                        }
                    }

                    rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {round} | pgbench: single-row upsert per transaction, {connections} clients | {pgbench:N0} | | | | 1.00x of pgbench | | |"));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"| round | target ({settings}) | accepted (202)/s | errors | p50 ms | p99 ms | ratio | drained in s | lost |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
            foreach (var (name, values) in ratios)
            {
                values.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: median {values[values.Count / 2]:F2}x over {values.Count} round(s) ({string.Join(", ", values.Select(value => value.ToString("F2", CultureInfo.InvariantCulture) + "x"))})"));
            }

            return lost == 0 ? 0 : 3;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static int FirstWarmUp(int warmUp) => 3 * warmUp;

    /// <summary>
    /// The silo host runs server GC (<c>ServerGarbageCollection</c> in OrleansFabric.Silo), this
    /// process workstation GC unless told otherwise; in-process, the silo would be measured under
    /// a collector it never runs with (a third fewer messages per second). So the benchmark runs
    /// itself again with <c>DOTNET_gcServer=1</c>, and every target, the bare Kestrel endpoint
    /// included, is measured under the silo's collector. <c>--server-gc false</c> skips this.
    /// </summary>
    public static async Task<int> RunUnderServerGcAsync(string[] args)
    {
        Console.WriteLine("ingest: running again under server GC, the silo host's collector (--server-gc false measures this process's)");
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        start.ArgumentList.Add(typeof(IngestBenchmarks).Assembly.Location);
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        using var process = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode;
    }

    /// <summary>Formats a ratio and keeps it for the median of <paramref name="target"/> / <paramref name="referenceName"/>.</summary>
    private static string Ratio(Dictionary<string, List<double>> ratios, string target, double rate, double reference, string referenceName)
    {
        var ratio = rate / reference;
        var name = $"{target} / {referenceName}";
        if (!ratios.TryGetValue(name, out var values))
        {
            ratios[name] = values = [];
        }

        values.Add(ratio);
        return string.Create(CultureInfo.InvariantCulture, $"{ratio:F2}x of {referenceName}");
    }

    private static string Row(int round, string name, (long Accepted, long Errors, double Rate, double P50, double P99) run, string ratio, (double DrainSeconds, long Lost)? check) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {round} | {name} | {run.Rate:N0} | {run.Errors:N0} | {run.P50:F2} | {run.P99:F2} | {ratio} | {(check is { } c ? c.DrainSeconds.ToString("F1", CultureInfo.InvariantCulture) : "")} | {(check is { } l ? l.Lost.ToString(CultureInfo.InvariantCulture) : "")} |");

    /// <summary>
    /// The ceiling: Kestrel in this process reading the same body, parsing it with
    /// System.Text.Json and answering 202 with a small JSON body, and nothing else. With a
    /// <paramref name="store"/>, each request first upserts its message into it (one row per
    /// session, one statement and commit per request, the silo's Npgsql settings): a service
    /// that makes each message durable itself, without the fabric.
    /// </summary>
    private static async Task<(long Accepted, long Errors, double Rate, double P50, double P99)> MeasureBareKestrelAsync(
        string wrk, string script, int connections, int seconds, int threads, int warmUp, NpgsqlDataSource? store, int postmaster)
    {
        if (store is not null)
        {
            await using var create = store.CreateCommand("create table bench_messages (session_key text primary key, message_id text not null, message text not null)");
            await create.ExecuteNonQueryAsync();
        }

        var name = store is null ? "bare Kestrel" : "Kestrel + upsert";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = builder.Build();
        app.MapPost("/v1/messages", (HttpContext context) => AcceptBareAsync(context, store));
        await app.StartAsync();
        var url = new Uri(new Uri(app.Urls.First()), "/v1/messages");
        var run = store is null ? "bare" : "upsert";
        await RunWrkAsync(wrk, script, url, connections, warmUp, threads, $"{run}-warm");
        var result = await MeasuredAsync(name, postmaster, () => RunWrkAsync(wrk, script, url, connections, seconds, threads, run));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {result.Rate:N0} accepted/s, {result.Errors} errors"));
        await app.StopAsync();
        return result;
    }

    private static async Task AcceptBareAsync(HttpContext context, NpgsqlDataSource? store)
    {
        // The same work a real endpoint cannot avoid: the whole body read, parsed and checked
        // for its fields, and a JSON answer naming the session.
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

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("session_key", sessionKey);
        writer.WriteString("message_id", messageId);
        writer.WriteString("status", "accepted");
        writer.WriteNumber("queue_depth", 1);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// The real silo in this process with the echo brain (no delay) and the queue strategy (one
    /// turn per message). After the measured run it lets the silo answer everything (not
    /// measured), then checks that no accepted message was lost.
    /// </summary>
    private static async Task<((long Accepted, long Errors, double Rate, double P50, double P99) Wrk, double DrainSeconds, long Lost)> MeasureSiloAsync(
        string wrk, string script, int connections, int seconds, int threads, int warmUp, int sessions, int postmaster, string[] extra)
    {
        var durable = extra.Length > 0;
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        string[] args = [
            "--urls", address.ToString(),
            "--Fabric:Sessions:DefaultStrategy=queue",
            // sms defaults to aggregate whatever DefaultStrategy says, so name it.
            "--Fabric:Sessions:Channels:sms:Strategy=queue",
            "--Fabric:Sessions:Brain:Kind=echo",
            "--Fabric:Sessions:Brain:DelayMs=0",
            "--Fabric:Shutdown:DrainSeconds=0",
            // Configuration rules outrank SetMinimumLevel, so say it both ways.
            "--Logging:LogLevel:Default=Warning",
            .. extra,
        ];
        await using var app = SiloApplication.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (durable)
            {
                // The silo port binds every interface by default; this benchmark stays on loopback.
                var siloPort = builder.Configuration["Fabric:Clustering:SiloPort"];
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:FabricSiloPort:Url"] = $"http://127.0.0.1:{siloPort}" });
            }
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(http);
        var url = new Uri(address, "/v1/messages");
        var name = durable ? "silo, PostgreSQL" : "silo, embedded";
        var warm = await RunWrkAsync(wrk, script, url, connections, warmUp, threads, durable ? "pg-warm" : "mem-warm");
        var postgres = app.Services.GetRequiredKeyedService<IGrainStorage>(PersistentStateAttribute.DefaultStorage) as PostgreSqlGrainStorage;
        var (statementsBefore, commandsBefore, transactionsBefore) = (postgres?.StatementsSent ?? 0, postgres?.CommandsSent ?? 0, postgres?.Transactions ?? 0);
        var storageBefore = durable ? await StorageLatencyAsync(http) : default;
        var run = await MeasuredAsync(name, postmaster, () => RunWrkAsync(wrk, script, url, connections, seconds, threads, durable ? "pg" : "mem"));
        var storageAfter = durable ? await StorageLatencyAsync(http) : default;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {run.Rate:N0} accepted/s, {run.Errors} errors"));
        if (postgres is not null)
        {
            var statements = postgres.StatementsSent - statementsBefore;
            var commands = postgres.CommandsSent - commandsBefore;
            var transactions = Math.Max(1, postgres.Transactions - transactionsBefore);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: {statements:N0} state reads, writes and appends as {commands:N0} commands in {transactions:N0} transactions during the run ({statements / (double)transactions:F1} and {commands / (double)transactions:F1} per transaction, {statements / (double)Math.Max(1, run.Accepted):F2} per accepted message)"));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: a statement waited {Mean(storageAfter.Wait, storageBefore.Wait) * 1000:F2} ms for its batch and the batch took {Mean(storageAfter.Batch, storageBefore.Batch) * 1000:F2} ms, on average (the silo's /metrics: fabric_storage_queue_seconds, fabric_storage_batch_seconds)"));
        }

        // wrk stops with requests in flight: the silo may have accepted up to one per
        // connection and run that wrk never counted, so those are allowed on top.
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
            $"{name}: wrk saw {acknowledged:N0} accepted (warm-up + run); sessions hold {answered:N0} answered + {pending:N0} pending after {drained:F1} s; lost {lost}, beyond wrk's count {extraAccepted} (allowed: in flight at wrk's stop, at most {2 * connections})"));
        if (pending > 0 || extraAccepted > 2 * connections)
        {
            Console.WriteLine($"{name}: CHECK FAILED: {pending} messages still pending, {extraAccepted} more answered than acknowledged");
            lost = Math.Max(lost, 1);
        }

        await app.StopAsync();
        return (run, drained, lost);
    }

    /// <summary>
    /// Runs <paramref name="run"/> (wrk) and says where the CPU went meanwhile, per accepted
    /// message (this process, PostgreSQL when <paramref name="postmaster"/> is its process id,
    /// wrk, the machine's idle and stolen time), and how much of the run this process's garbage
    /// collector paused it. A run that is slow for no change of code shows here whether it spent
    /// more CPU per message or left the cores idle.
    /// </summary>
    private static async Task<(long Accepted, long Errors, double Rate, double P50, double P99)> MeasuredAsync(
        string name, int postmaster, Func<Task<(long Accepted, long Errors, double Rate, double P50, double P99)>> run)
    {
        var (collections, paused, clock) = (GC.CollectionCount(0), GC.GetTotalPauseDuration(), Stopwatch.StartNew());
        var before = CpuTimes.Sample(postmaster);
        var result = await run();
        var after = CpuTimes.Sample(postmaster);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: CPU per accepted message: {after.PerMessage(before, result.Accepted, "this process (the server)", postmaster > 0, "wrk")}; {GC.CollectionCount(0) - collections} garbage collections paused it {(GC.GetTotalPauseDuration() - paused) / clock.Elapsed:P1} of the run; {ThreadPool.ThreadCount} thread-pool threads"));
        return result;
    }

    /// <summary>
    /// Waits (at most 10 s) until no backend serves <paramref name="connectionString"/>'s
    /// database but this one: a backend's CPU time counts once the server has reaped it.
    /// </summary>
    private static async Task BackendsGoneAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
        for (var attempt = 0; attempt < 200 && (long)(await command.ExecuteScalarAsync())! > 0; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The process id of the PostgreSQL server behind <paramref name="connectionString"/>: the parent of a backend.</summary>
    private static async Task<int> PostmasterAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("select pg_backend_pid()");
        return CpuTimes.ParentOf((int)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>The sums and counts of the silo's storage wait and committed batch time histograms, from its <c>/metrics</c>.</summary>
    private static async Task<((double Sum, double Count) Wait, (double Sum, double Count) Batch)> StorageLatencyAsync(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        double Value(string series) =>
            text.Split('\n').FirstOrDefault(line => line.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
                ? double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture)
                : 0;
        return (
            (Value("fabric_storage_queue_seconds_sum"), Value("fabric_storage_queue_seconds_count")),
            (Value("fabric_storage_batch_seconds_sum{outcome=\"committed\"}"), Value("fabric_storage_batch_seconds_count{outcome=\"committed\"}")));
    }

    /// <summary>The mean of a histogram over an interval, from its sum and count at both ends.</summary>
    private static double Mean((double Sum, double Count) after, (double Sum, double Count) before) =>
        (after.Sum - before.Sum) / Math.Max(1, after.Count - before.Count);

    private static async Task WaitReadyAsync(HttpClient http)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException("The silo did not become ready within 60 s.");
    }

    /// <summary>
    /// Every session the script wrote to, read through <c>GET /v1/sessions/{key}</c>: turns
    /// completed (one per message under the queue strategy) and messages still pending.
    /// </summary>
    private static async Task<(long Answered, long Pending)> CountMessagesAsync(HttpClient http, int sessions)
    {
        long answered = 0;
        long pending = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (who, cancellationToken) =>
        {
            var key = Uri.EscapeDataString($"bench:ingest:{Interlocutor(who)}:sms");
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

    /// <summary>The interlocutor of session number <paramref name="who"/>; the Lua script formats it the same way.</summary>
    private static string Interlocutor(int who) => string.Create(CultureInfo.InvariantCulture, $"+4670{who:D7}");

    private static async Task<(long Accepted, long Errors, double Rate, double P50, double P99)> RunWrkAsync(
        string wrk, string script, Uri url, int connections, int seconds, int threads, string run)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--timeout", "10s", "-s", script, url.ToString(), "--", run, threads.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        await process.WaitForExitAsync(timeout.Token);
        var match = SummaryPattern().Match(await output);
        if (process.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {await output}{await errors}");
        }

        long Value(string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        var accepted = Value("accepted");
        var failed = Value("errors") + Value("socket");
        var duration = Value("duration") / 1e6;
        return (accepted, failed, accepted / duration, Value("p50") / 1000.0, Value("p99") / 1000.0);
    }

    private static string? FindWrk() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "wrk"))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// The wrk script: each thread numbers its own requests, and the run name and thread number
    /// in the message id keep ids unique across threads and runs; consecutive requests go to
    /// different sessions. Only 202 counts as accepted; <c>done</c> sums the threads' counts.
    /// </summary>
    private static string WrkScript(int sessions) =>
        """
        -- Generated by OrleansFabric.Benchmarks ingest: POST /v1/messages, one unique message_id per request.
        local threads = {}
        local next_thread = 0

        function setup(thread)
          thread:set("thread_number", next_thread)
          next_thread = next_thread + 1
          table.insert(threads, thread)
        end

        function init(args)
          run_name = args[1]
          thread_count = tonumber(args[2])
          sent = 0
          accepted = 0
          rejected = 0
        end

        function request()
          sent = sent + 1
          local who = (sent * thread_count + thread_number) % SESSIONS
          local body = string.format(
            '{"message_id":"%s-%d-%d","tenant_id":"bench","agent_id":"ingest","interlocutor_id":"+4670%07d","channel":"sms","text":"hi %d","sent_at":"2026-11-22T10:00:00Z","metadata":{"source":"wrk"}}',
            run_name, thread_number, sent, who, sent)
          return wrk.format("POST", "/v1/messages", { ["Content-Type"] = "application/json" }, body)
        end

        function response(status, headers, body)
          if status == 202 then
            accepted = accepted + 1
          else
            rejected = rejected + 1
          end
        end

        function done(summary, latency, requests)
          local total_accepted, total_rejected = 0, 0
          for _, thread in ipairs(threads) do
            total_accepted = total_accepted + thread:get("accepted")
            total_rejected = total_rejected + thread:get("rejected")
          end
          local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
          io.write(string.format("INGEST accepted=%d errors=%d socket=%d duration=%d p50=%d p99=%d\n",
            total_accepted, total_rejected, socket, summary.duration, latency:percentile(50), latency:percentile(99)))
        end
        """.Replace("SESSIONS", sessions.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    [GeneratedRegex(@"INGEST accepted=(?<accepted>\d+) errors=(?<errors>\d+) socket=(?<socket>\d+) duration=(?<duration>\d+) p50=(?<p50>\d+) p99=(?<p99>\d+)")]
    private static partial Regex SummaryPattern();
}
