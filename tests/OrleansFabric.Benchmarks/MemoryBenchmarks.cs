using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16 (memory): the managed heap of a real silo process on its embedded default
/// (Localhost clustering, memory grain state and reminders; <c>--persistence postgres</c>: state
/// and reminders in a throwaway PostgreSQL, so the heap holds no copy of the state) holding N
/// idle sessions, beside the same process with none, in one run. A session is made the way a real one is: one message
/// accepted over <c>POST /v1/messages</c> and answered by the echo brain (<c>--activation
/// message</c>, the default), so it holds a state with a turn, a remembered message id and an
/// exchange; <c>--activation read</c> only activates it through <c>GET /v1/sessions/{key}</c>
/// (no state). At each checkpoint the benchmark waits until every message is answered and the
/// sessions' resume reminders are gone (the sessions are idle), asks the silo for two full
/// collections through Orleans' management grain (<see cref="IManagementGrain.ForceGarbageCollection"/>)
/// and reads the heap the collector reports on <c>/metrics</c> (.NET's <c>System.Runtime</c>
/// meter: every generation's size after the last collection). With <c>dotnet-dump</c>
/// installed, a heap dump at 0 sessions and at every checkpoint says which types grew between
/// the last two, per session.
/// </summary>
internal static class MemoryBenchmarks
{
    private const string Tenant = "bench";
    private const string Agent = "memory";
    private const string Channel = "sms";

    /// <summary>Issue 16's target for 100,000 idle sessions.</summary>
    private const double TargetMegabytes = 300;

    public static async Task<int> RunAsync(Options options)
    {
        var sessions = options.Int("sessions", 100_000);
        var concurrency = options.Int("concurrency", 32);
        var mode = options.Get("activation", "message");
        var checkpoints = options.Ints("checkpoints", [sessions / 10, sessions])
            .Where(count => count > 0 && count <= sessions)
            .Append(sessions)
            .Distinct()
            .Order()
            .ToList();
        var limit = TimeSpan.FromMinutes(options.Int("minutes", 30));
        var snapshotTool = options.Get("dump", "auto") == "false" ? null : HeapDump.Find();
        var persistence = options.Get("persistence", "memory");
        if (mode is not ("message" or "read"))
        {
            Console.Error.WriteLine("memory: --activation is message (one message accepted and answered per session) or read (activated by a read).");
            return 2;
        }

        if (persistence is not ("memory" or "postgres"))
        {
            Console.Error.WriteLine("memory: --persistence is memory (the embedded default: state in the silo's heap) or postgres (state and reminders in a throwaway PostgreSQL).");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Sessions__Channels__sms__Strategy"] = "queue",
            ["Fabric__Sessions__Brain__Kind"] = "echo",
            ["Fabric__Sessions__Brain__DelayMs"] = "0",

            // Longer than any run: no session is collected while it is counted.
            ["Fabric__Grains__IdleTimeoutSeconds"] = "86400",
        };
        await using var server = persistence == "postgres" ? await PostgresServer.StartAsync() : null;
        if (server is not null)
        {
            settings["Fabric__Persistence__Provider"] = "AdoNet";
            settings["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("memory");
        }

        await using var silo = await BenchSilo.StartReadyAsync(settings);
        try
        {
            return await MeasureAsync(silo, sessions, concurrency, mode, checkpoints, snapshotTool, clock, limit, server is null ? "embedded default (Localhost, memory state and reminders)" : "Localhost clustering, state and reminders in PostgreSQL");
        }
        catch (Exception exception) when (silo.Process.HasExited && exception is not OutOfMemoryException)
        {
            var output = silo.Process.Output;
            Console.Error.WriteLine($"memory: the silo process exited (code {silo.Process.ExitCode}); its last output:\n{output[Math.Max(0, output.Length - 4000)..]}");
            throw;
        }
    }

    private static async Task<int> MeasureAsync(BenchSilo silo, int sessions, int concurrency, string mode, List<int> checkpoints, string? snapshotTool, Stopwatch clock, TimeSpan limit, string configuration)
    {
        using var client = await GrainClient.LocalhostAsync(silo.GatewayPort);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
        var management = client.Grains.GetGrain<IManagementGrain>(0);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"silo process {silo.Process.ProcessId}: {configuration}, `queue` strategy for {Channel}, echo brain, Grains:IdleTimeoutSeconds 86400; sessions made by {(mode == "message" ? "one message accepted and answered each" : "a read each (no state)")}, {concurrency} concurrent requests; checkpoints {string.Join(", ", checkpoints.Select(count => count.ToString("N0", CultureInfo.InvariantCulture)))}; heap snapshots: {snapshotTool ?? "none (dotnet-dump is not installed)"}"));

        var baseline = await ReadHeapAsync(http, silo, management);
        Console.WriteLine(Describe(0, baseline, null));
        var snapshots = new List<HeapDump.Snapshot>();
        if (snapshotTool is not null)
        {
            snapshots.Add(await HeapDump.TakeAsync(snapshotTool, silo.Process.ProcessId));
        }

        var readings = new List<(int Sessions, HeapReading Heap, double PerSecond)> { (0, baseline, 0) };
        var made = 0;
        foreach (var checkpoint in checkpoints)
        {
            var activation = Stopwatch.StartNew();
            var failures = await ActivateAsync(http, made, checkpoint, concurrency, mode, clock, limit);
            var perSecond = (checkpoint - made) / activation.Elapsed.TotalSeconds;
            if (failures > 0)
            {
                Console.Error.WriteLine($"memory: {failures} of sessions {made:N0}-{checkpoint - 1:N0} were not activated (an error answer, or the {limit.TotalMinutes} min limit).");
                return 1;
            }

            made = checkpoint;
            if (mode == "message" && !await AnsweredAsync(http, silo, made, clock, limit))
            {
                Console.Error.WriteLine($"memory: not every one of {made:N0} messages was answered within the limit.");
                return 1;
            }

            if (!await IdleAsync(http, silo, clock, limit))
            {
                Console.Error.WriteLine("memory: the sessions' resume reminders were still registered at the limit.");
                return 1;
            }

            var heap = await ReadHeapAsync(http, silo, management);
            Console.WriteLine(Describe(made, heap, baseline) + string.Create(CultureInfo.InvariantCulture, $"; made at {perSecond:N0} sessions/s"));
            readings.Add((made, heap, perSecond));
            if (snapshotTool is not null)
            {
                snapshots.Add(await HeapDump.TakeAsync(snapshotTool, silo.Process.ProcessId));
            }
        }

        await silo.StopAsync();

        Console.WriteLine();
        Console.WriteLine("| sessions | session activations | managed heap after a full GC (MB) | of it fragmentation (MB) | more than at 0 sessions (MB) | bytes per session | bytes per session since the previous row | working set (MB) | sessions made / s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < readings.Count; i++)
        {
            var (count, heap, perSecond) = readings[i];
            var grown = heap.HeapBytes - baseline.HeapBytes;
            var perSession = count > 0 ? (grown / (double)count).ToString("N0", CultureInfo.InvariantCulture) : string.Empty;
            var marginal = i > 1 ? ((heap.HeapBytes - readings[i - 1].Heap.HeapBytes) / (double)(count - readings[i - 1].Sessions)).ToString("N0", CultureInfo.InvariantCulture) : string.Empty;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {count:N0} | {heap.SessionActivations:N0} | {Megabytes(heap.HeapBytes):F1} | {Megabytes(heap.FragmentedBytes):F1} | {Megabytes(grown):F1} | {perSession} | {marginal} | {Megabytes(heap.WorkingSetBytes):F0} | {(count > 0 ? perSecond.ToString("N0", CultureInfo.InvariantCulture) : string.Empty)} |"));
        }

        if (snapshots.Count == readings.Count)
        {
            PrintGrowth(snapshots, [.. readings.Select(reading => reading.Sessions)]);
        }

        var final = readings[^1].Heap;
        var holds = Megabytes(final.HeapBytes) < TargetMegabytes;
        Console.WriteLine();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{sessions:N0} idle sessions: managed heap {Megabytes(final.HeapBytes):F1} MB after a full GC ({Megabytes(final.HeapBytes - baseline.HeapBytes):F1} MB more than with none, {(final.HeapBytes - baseline.HeapBytes) / (double)sessions:N0} bytes per session); issue 16's target < {TargetMegabytes} MB for 100,000: {(sessions >= 100_000 ? holds ? "holds" : "does not hold" : "not measured (fewer sessions)")}"));
        return sessions >= 100_000 && !holds ? 3 : 0;
    }

    private static double Megabytes(long bytes) => bytes / 1024.0 / 1024.0;

    private static string Describe(int sessions, HeapReading heap, HeapReading? baseline) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{sessions:N0} sessions ({heap.SessionActivations:N0} session activations, {heap.Activations:N0} in all): managed heap {Megabytes(heap.HeapBytes):F1} MB after a full GC (fragmentation {Megabytes(heap.FragmentedBytes):F1} MB), working set {Megabytes(heap.WorkingSetBytes):F0} MB{(baseline is { } zero && sessions > 0 ? $", {(heap.HeapBytes - zero.HeapBytes) / (double)sessions:N0} bytes per session more than at 0" : string.Empty)}");

    /// <summary>
    /// The reachable objects of each snapshot, and the types that grew most between the last
    /// two, per session made between them: what one more idle session holds, without what the
    /// first sessions cost once (instruments' first series, pools, compiled serializers).
    /// </summary>
    private static void PrintGrowth(List<HeapDump.Snapshot> snapshots, List<int> sessions)
    {
        Console.WriteLine();
        Console.WriteLine("dotnet-dump, reachable objects: " + string.Join("; ", snapshots.Select((snapshot, i) => string.Create(CultureInfo.InvariantCulture, $"{Megabytes(snapshot.ObjectBytes):F1} MB at {sessions[i]:N0} sessions"))));
        var (from, to) = (snapshots[^2], snapshots[^1]);
        var made = sessions[^1] - sessions[^2];
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"from {sessions[^2]:N0} to {sessions[^1]:N0} sessions: {(to.ObjectBytes - from.ObjectBytes) / (double)made:N0} bytes of reachable objects per session more; the types that grew most:"));
        Console.WriteLine();
        Console.WriteLine("| type | MB more | bytes per session | objects per session |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (type, bytes, count) in to.GrowthSince(from, 40))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| `{type.Replace("|", "\\|", StringComparison.Ordinal)}` | {Megabytes(bytes):F1} | {bytes / (double)made:N0} | {count / (double)made:F2} |"));
        }
    }

    /// <summary>
    /// Makes sessions <paramref name="from"/> to <paramref name="to"/> − 1 with
    /// <paramref name="concurrency"/> requests in flight, until done or the limit; the number
    /// that failed or were not made.
    /// </summary>
    private static async Task<int> ActivateAsync(HttpClient http, int from, int to, int concurrency, string mode, Stopwatch clock, TimeSpan limit)
    {
        var next = from - 1;
        var made = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var who = Interlocked.Increment(ref next); who < to && clock.Elapsed < limit; who = Interlocked.Increment(ref next))
            {
                try
                {
                    var ok = mode == "message" ? await SendAsync(http, who) : await ReadAsync(http, who);
                    if (ok)
                    {
                        Interlocked.Increment(ref made);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // Counted below: every session not made is a failure.
                }
            }
        });
        await Task.WhenAll(workers);
        return to - from - made;
    }

    private static string SessionKey(int who) => $"{Tenant}:{Agent}:{Wrk.Interlocutor(who)}:{Channel}";

    private static async Task<bool> SendAsync(HttpClient http, int who)
    {
        var body = string.Create(
            CultureInfo.InvariantCulture,
            $$$"""{"message_id":"memory-{{{who}}}","tenant_id":"{{{Tenant}}}","agent_id":"{{{Agent}}}","interlocutor_id":"{{{Wrk.Interlocutor(who)}}}","channel":"{{{Channel}}}","text":"Hello, I would like to book a table for two tonight at eight.","sent_at":"2026-11-22T10:00:00Z","metadata":{"source":"memory"}}""");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/v1/messages", UriKind.Relative), content);
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    private static async Task<bool> ReadAsync(HttpClient http, int who)
    {
        using var response = await http.GetAsync(new Uri($"/v1/sessions/{Uri.EscapeDataString(SessionKey(who))}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound;
    }

    /// <summary>Waits (bounded) until the silo has completed <paramref name="sessions"/> turns and holds no unanswered message.</summary>
    private static async Task<bool> AnsweredAsync(HttpClient http, BenchSilo silo, int sessions, Stopwatch clock, TimeSpan limit)
    {
        while (clock.Elapsed < limit)
        {
            var metrics = await SiloMetrics.ScrapeAsync(http, silo.Address);
            if (metrics.Sum("fabric_turns_total", "status=\"completed\"", $"tenant=\"{Tenant}\"") >= sessions && metrics.Sum("fabric_session_queue_depth") == 0)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return false;
    }

    /// <summary>
    /// Waits (bounded) until the silo holds no reminder: a session's resume reminder, registered
    /// with its first message, is dropped at its second tick after the queue emptied
    /// (2 × Sessions:ResumeCheckSeconds, 20 s), and only then is the session idle.
    /// </summary>
    private static async Task<bool> IdleAsync(HttpClient http, BenchSilo silo, Stopwatch clock, TimeSpan limit)
    {
        while (clock.Elapsed < limit)
        {
            var metrics = await SiloMetrics.ScrapeAsync(http, silo.Address);
            if (metrics.Sum("orleans_reminders_active") == 0)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return false;
    }

    /// <summary>
    /// Two full collections in the silo (Orleans' management grain; the second frees what the
    /// first left to finalizers), then the heap the collector reports on <c>/metrics</c>.
    /// </summary>
    private static async Task<HeapReading> ReadHeapAsync(HttpClient http, BenchSilo silo, IManagementGrain management)
    {
        var hosts = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        var before = await SiloMetrics.ScrapeAsync(http, silo.Address);
        await management.ForceGarbageCollection(hosts);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await management.ForceGarbageCollection(hosts);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var after = await SiloMetrics.ScrapeAsync(http, silo.Address);
        const string Gen2 = "gc_heap_generation=\"gen2\"";
        if (!after.Has("dotnet_gc_last_collection_heap_size_bytes") || after.Sum("dotnet_gc_collections_total", Gen2) < before.Sum("dotnet_gc_collections_total", Gen2) + 2)
        {
            throw new InvalidOperationException("The silo reported no full collection, or no GC heap size, on /metrics (its System.Runtime meter).");
        }

        var statistics = await management.GetSimpleGrainStatistics(hosts);
        var sessions = statistics.Where(statistic => statistic.GrainType.Contains("SessionGrain", StringComparison.Ordinal)).Sum(statistic => statistic.ActivationCount);
        return new HeapReading(
            (long)after.Sum("dotnet_gc_last_collection_heap_size_bytes"),
            (long)after.Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes"),
            (long)after.Sum("dotnet_process_memory_working_set_bytes"),
            sessions,
            statistics.Sum(statistic => statistic.ActivationCount));
    }

    /// <summary>The GC heap after a full collection (every generation, fragmentation included), the process's working set and its activations.</summary>
    private sealed record HeapReading(long HeapBytes, long FragmentedBytes, long WorkingSetBytes, int SessionActivations, int Activations);
}
