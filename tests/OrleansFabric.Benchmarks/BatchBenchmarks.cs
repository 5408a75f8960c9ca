using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OrleansFabric.Batches;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16 (batch assignment): the <see cref="IEssayBatchGrain"/> on the PostgreSQL-durable
/// silo process (the journaled grain storage and Orleans' ADO.NET reminders), called through the grain
/// client, against the ELS-002 PostgreSQL design (<see cref="SqlSlotCoordinator"/>: one
/// transaction per event, <c>FOR UPDATE SKIP LOCKED</c> and a unique constraint), under the same
/// provisioning load with duplicates, some of them racing, on one throwaway PostgreSQL.
/// </summary>
internal static class BatchBenchmarks
{
    private const int Slots = 100;

    // A whole run is bounded: a stuck side fails the benchmark instead of hanging it.
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Warms both sides up for <c>--warmup-seconds</c> each (default 20: long enough for the
    /// silo, this process and PostgreSQL to have compiled and tiered up their hot paths), then
    /// runs <c>--rounds</c> rounds. In a round each side runs passes of <c>--batches</c> fresh
    /// batches until its loads have lasted <c>--round-seconds</c> (default 15), so a round's p99
    /// is taken over tens of thousands of events, not over a few seconds and its stalls. The
    /// warm-up runs the same passes, unreported. Both sides are treated alike. <c>--silo-gc</c>
    /// (default, server or workstation) picks the silo process's collector; default is its build's.
    /// <c>--journal-prepare false</c> turns the journal store's statement preparation off (an A/B).
    /// </summary>
    public static async Task<int> RunAsync(Options options)
    {
        var concurrency = options.Int("concurrency", 32);
        var batches = options.Int("batches", 100);
        var rounds = options.Int("rounds", 3);
        var warmUp = TimeSpan.FromSeconds(options.Double("warmup-seconds", 20));
        var roundTime = TimeSpan.FromSeconds(options.Double("round-seconds", 15));
        var siloGc = options.Get("silo-gc", "default");
        var journalPrepares = options.Get("journal-prepare", "true") == "true";
        using var limit = new CancellationTokenSource(s_runLimit);
        var cancellationToken = limit.Token;
        await using var server = await PostgresServer.StartAsync();
        var postmaster = await PostmasterAsync(server.ConnectionString);

        // The baseline's pool never makes an event wait for a connection: a racing pair puts two
        // events of one worker in flight. Automatic preparation gives it its best case.
        var sqlConnection = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("els")) { MaxPoolSize = 2 * concurrency, MaxAutoPrepare = 32 }.ConnectionString;
        await using var sqlSource = NpgsqlDataSource.Create(sqlConnection);
        var baseline = new SqlSlotCoordinator(sqlSource);
        await baseline.CreateSchemaAsync(cancellationToken);

        // The grain side: the silo process with its production persistence (Persistence:Provider=AdoNet,
        // its default pool of 20), Localhost clustering, reached through the grain client.
        var siloSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("batches") + (journalPrepares ? string.Empty : ";Max Auto Prepare=0"),
        };
        // default: the collector the silo's build chose (its runtimeconfig); the environment overrides it.
        switch (siloGc)
        {
            case "server":
                siloSettings["DOTNET_gcServer"] = "1";
                break;
            case "workstation":
                siloSettings["DOTNET_gcServer"] = "0";
                break;
            case "default":
                break;
            default:
                throw new ArgumentException($"--silo-gc must be default, server or workstation, not '{siloGc}'.", nameof(options));
        }

        await using var silo = await BenchSilo.StartReadyAsync(siloSettings);
        using var client = await GrainClient.LocalhostAsync(silo.GatewayPort);
        var grains = client.Grains;

        Task<ContentAssignment> GrainProvision(string batchId, ProvisionContent content, CancellationToken token) =>
            grains.GetGrain<IEssayBatchGrain>(batchId).ProvisionContentAsync(content, token);

        async Task GrainRegisterAsync(string batchId, string[] essayIds, CancellationToken token)
        {
            var result = await grains.GetGrain<IEssayBatchGrain>(batchId).RegisterAsync(new BatchDefinition(essayIds, 600, null), token);
            if (result != RegisterBatchResult.Created)
            {
                throw new InvalidOperationException($"Batch {batchId} was not created: {result}.");
            }
        }

        var sides = new[]
        {
            new BatchSide(
                "ELS-002 baseline: one transaction per event (FOR UPDATE SKIP LOCKED + unique constraint)",
                "this process (the coordinator)",
                0,
                baseline.RegisterAsync,
                baseline.ProvisionAsync,
                async (workload, prefix, token) =>
                {
                    var (duplicates, wrong, final) = await baseline.VerifyAsync(prefix, token);
                    return (duplicates, workload.BatchIds.Count - wrong, final);
                }),
            new BatchSide(
                "EssayBatchGrain, silo process, journaled grain storage (PostgreSQL)",
                "the silo process",
                silo.Process.ProcessId,
                GrainRegisterAsync,
                GrainProvision,
                (workload, _, token) => VerifyGrainsAsync(grains, workload, token)),
        };

        // Warm-up on separate batches (JIT and tiering in every process, prepared statements, pools), not reported.
        var warmUpPasses = new List<string>();
        foreach (var side in sides)
        {
            var warm = new BatchRound(side.Name);
            var pass = 0;
            var started = Stopwatch.StartNew();
            while (started.Elapsed < warmUp || pass == 0)
            {
                pass++;
                await RunPassAsync(side, warm, $"w{pass}", batches, seed: (uint)(1000 + pass), concurrency, postmaster, cancellationToken);
            }

            warmUpPasses.Add(string.Create(CultureInfo.InvariantCulture, $"{side.Name}: {warm.Passes} pass(es), {warm.ToResult().AssignmentsPerSecond:N0} assignments/s in {started.Elapsed.TotalSeconds:F0} s"));
        }

        var rows = new List<string>();
        var notes = new List<string>();
        var ratios = new List<double>();
        var p99s = new List<double>();
        var failed = false;
        for (var round = 1; round <= rounds; round++)
        {
            var results = new List<(BatchRunResult Result, BatchRound Round)>();
            foreach (var side in sides)
            {
                var measured = new BatchRound(side.Name);
                var pass = 0;
                while (measured.Elapsed < roundTime || pass == 0)
                {
                    pass++;
                    await RunPassAsync(side, measured, $"r{round}p{pass}", batches, seed: (uint)((100 * round) + pass), concurrency, postmaster, cancellationToken);
                }

                results.Add((measured.ToResult(), measured));
                notes.Add($"round {round}: {side.Name}: CPU per event: {measured.Cpu.Describe(measured.ToResult().Events, side.ServerName)}");
            }

            var (sql, grain) = (results[0].Result, results[1].Result);
            rows.Add(Row(round, sql));
            rows.Add(Row(round, grain));
            var ratio = grain.AssignmentsPerSecond / sql.AssignmentsPerSecond;
            ratios.Add(ratio);
            p99s.Add(grain.P99Ms);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {round} | grain / baseline | {ratio:F2}x | {grain.EventsPerSecond / sql.EventsPerSecond:F2}x | {grain.P50Ms / sql.P50Ms:F2}x | {grain.P99Ms / sql.P99Ms:F2}x | | | | |"));
            failed |= grain.Errors > 0 || grain.Duplicates > 0 || grain.CompleteBatches < grain.Batches;
            foreach (var (result, measured) in results)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"round {round}: {result.Name}: {measured.Passes} pass(es), {result.Events:N0} events, assigned {result.Assigned:N0}, already_assigned {result.AlreadyAssigned:N0}, no_slot_available {result.NoSlot:N0}, load time {result.Elapsed.TotalSeconds:F2} s; this process's GC: {measured.ClientGcCount} collections, {measured.ClientGcPause.TotalMilliseconds:F0} ms paused"));
                notes.AddRange(result.ErrorSamples.Select(sample => $"  error: {sample}"));
            }
        }

        var sample = BatchWorkload.Create("r1p1", batches, Slots, seed: 101);
        Console.WriteLine($"passes of {batches} batches × {Slots} slots, {sample.Events.Length:N0} provisioning events each ({sample.DuplicateEvents:N0} duplicates, {sample.RacingPairs:N0} of them racing their original), {concurrency} concurrent workers; warm-up {warmUp.TotalSeconds:F0} s per side, then {rounds} round(s) of at least {roundTime.TotalSeconds:F0} s of load per side; the silo's GC: {siloGc}; journal statements prepared: {journalPrepares}");
        warmUpPasses.ForEach(line => Console.WriteLine($"warm-up: {line}"));
        Console.WriteLine();
        Console.WriteLine($"| round | coordination ({concurrency} workers) | assignments/s | events/s | p50 ms | p99 ms | p99.9 ms | duplicates | errors | batches complete |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        notes.ForEach(Console.WriteLine);
        ratios.Sort();
        p99s.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grain / baseline assignments/s: median {ratios[ratios.Count / 2]:F2}x ({string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); grain p99 median {p99s[p99s.Count / 2]:F2} ms; load average {LoadAverage.Read()}"));
        return failed ? 3 : 0;
    }

    /// <summary>One pass: registers a fresh workload, loads it (measured: CPU and this process's GC), checks it against the final state and adds it to <paramref name="round"/>.</summary>
    private static async Task RunPassAsync(BatchSide side, BatchRound round, string prefix, int batches, uint seed, int concurrency, int postmaster, CancellationToken cancellationToken)
    {
        var workload = BatchWorkload.Create(prefix, batches, Slots, seed);
        await RegisterAllAsync(workload, concurrency, side.Register, cancellationToken);
        var (gcPause, gcCount) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
        var (load, cpu) = await MeasuredAsync(side.ServerProcess, postmaster, () => LoadAsync(workload, concurrency, side.Provision, cancellationToken));
        (gcPause, gcCount) = (GC.GetTotalPauseDuration() - gcPause, GC.CollectionCount(0) - gcCount);
        var (duplicates, complete, final) = await side.Verify(workload, $"{prefix}-", cancellationToken);
        round.Add(Summarize(side.Name, workload, load, final, duplicates, complete, round.Latencies), cpu, gcPause, gcCount);
    }

    /// <summary>Runs <paramref name="run"/> and samples the CPU of the server process (0: this one), PostgreSQL, this process and the machine around it.</summary>
    private static async Task<(LoadResult Load, CpuSpent Cpu)> MeasuredAsync(int server, int postmaster, Func<Task<LoadResult>> run)
    {
        var (selfBefore, serverBefore) = (CpuTimes.Sample(0, postmaster), CpuTimes.Sample(server, 0));
        var load = await run();
        var (selfAfter, serverAfter) = (CpuTimes.Sample(0, postmaster), CpuTimes.Sample(server, 0));
        return (load, new CpuSpent(serverAfter.Server - serverBefore.Server, selfAfter.PostgreSql - selfBefore.PostgreSql, server == 0 ? 0 : selfAfter.Server - selfBefore.Server, selfAfter.MachineShares(selfBefore)));
    }

    private static async Task<int> PostmasterAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("select pg_backend_pid()");
        return CpuTimes.ParentOf((int)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>Registers the workload's batches, <paramref name="concurrency"/> at a time (not measured).</summary>
    private static Task RegisterAllAsync(BatchWorkload workload, int concurrency, Func<string, string[], CancellationToken, Task> register, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            workload.BatchIds,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (batchId, token) => await register(batchId, workload.EssayIds(batchId), token));

    /// <summary>Fires every work item of <paramref name="workload"/> from <paramref name="concurrency"/> workers; a racing pair's two events start together.</summary>
    private static async Task<LoadResult> LoadAsync(
        BatchWorkload workload,
        int concurrency,
        Func<string, ProvisionContent, CancellationToken, Task<ContentAssignment>> provision,
        CancellationToken cancellationToken)
    {
        var events = workload.Events;
        var outcomes = new ContentAssignment?[events.Length];
        var failures = new string?[events.Length];
        var latencies = new long[events.Length];
        var cursor = -1;

        async Task SendAsync(int index)
        {
            var (batchId, content) = events[index];
            var started = Stopwatch.GetTimestamp();
            try
            {
                outcomes[index] = await provision(batchId, new ProvisionContent(content, $"{content}.docx"), cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failures[index] = $"{batchId}/{content}: {exception.GetType().Name}: {exception.Message}";
            }

            latencies[index] = Stopwatch.GetTimestamp() - started;
        }

        async Task WorkerAsync()
        {
            // Bounded by the number of work items: each iteration takes a new one.
            for (var taken = 0; taken < workload.Items.Length; taken++)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Workers are independent clients: one whose call completed synchronously must not
                // keep the thread while other workers' finished calls wait to be observed.
                await Task.Yield();
                var next = Interlocked.Increment(ref cursor);
                if (next >= workload.Items.Length)
                {
                    return;
                }

                var item = workload.Items[next];
                if (item.Length == 1)
                {
                    await SendAsync(item[0]);
                }
                else
                {
                    await Task.WhenAll(item.Select(SendAsync));
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        clock.Stop();
        return new LoadResult(clock.Elapsed, outcomes, failures, latencies);
    }

    /// <summary>
    /// Checks every answer against the final state and the rules: one Assigned per content, the
    /// same slot in every answer, no other outcome. Latencies go to <paramref name="histogram"/>
    /// (the round's), so the pass's own quantiles are left 0.
    /// </summary>
    private static BatchRunResult Summarize(
        string name,
        BatchWorkload workload,
        LoadResult load,
        Dictionary<(string Batch, string Content), string> final,
        int duplicates,
        int completeBatches,
        LatencyHistogram histogram)
    {
        var errors = new List<string>();
        var firstAssignments = new Dictionary<(string, string), string>();
        int assigned = 0, already = 0, noSlot = 0;
        for (var i = 0; i < workload.Events.Length; i++)
        {
            histogram.Record(load.Latencies[i]);
            var key = workload.Events[i];
            if (load.Failures[i] is { } failure)
            {
                errors.Add(failure);
                continue;
            }

            var outcome = load.Outcomes[i]!;
            switch (outcome.Outcome)
            {
                case AssignmentOutcome.Assigned:
                    assigned++;
                    if (!firstAssignments.TryAdd(key, outcome.EssayId!))
                    {
                        duplicates++; // the same content was assigned twice
                    }

                    break;
                case AssignmentOutcome.AlreadyAssigned:
                    already++;
                    break;
                case AssignmentOutcome.NoSlotAvailable:
                    noSlot++;
                    errors.Add($"{key.Batch}/{key.Content}: no_slot_available (every content fits: {Slots} distinct contents for {Slots} slots)");
                    continue;
                default:
                    errors.Add($"{key.Batch}/{key.Content}: unexpected {outcome.Outcome}");
                    continue;
            }

            if (!final.TryGetValue(key, out var slot) || slot != outcome.EssayId)
            {
                duplicates++; // the answer names a slot the content does not hold in the final state
            }
        }

        return new BatchRunResult(
            name,
            load.Elapsed,
            workload.Events.Length,
            assigned,
            already,
            noSlot,
            0,
            0,
            duplicates,
            errors.Count,
            completeBatches,
            workload.BatchIds.Count,
            [.. errors.Take(5)]);
    }

    /// <summary>Reads each batch back through the grain client, counting duplicates and batches that are not completed with exactly the slots' count of assignments.</summary>
    private static async Task<(int Duplicates, int Complete, Dictionary<(string, string), string> Final)> VerifyGrainsAsync(
        IGrainFactory grains, BatchWorkload workload, CancellationToken cancellationToken)
    {
        var duplicates = 0;
        var complete = 0;
        var final = new Dictionary<(string, string), string>();
        foreach (var batchId in workload.BatchIds)
        {
            var status = await grains.GetGrain<IEssayBatchGrain>(batchId).GetStatusAsync(cancellationToken);
            if (status is null)
            {
                continue;
            }

            var contents = status.Assignments.Select(a => a.TextStorageId).Distinct(StringComparer.Ordinal).Count();
            var slots = status.Assignments.Select(a => a.EssayId).Distinct(StringComparer.Ordinal).Count();
            duplicates += (status.Assignments.Count - contents) + (status.Assignments.Count - slots);
            if (status.Status == BatchPhase.Completed && status.AssignedCount == Slots && contents == Slots)
            {
                complete++;
            }

            foreach (var assignment in status.Assignments)
            {
                final[(batchId, assignment.TextStorageId)] = assignment.EssayId;
            }
        }

        return (duplicates, complete, final);
    }

    private static string Row(int round, BatchRunResult result) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {round} | {result.Name} | {result.AssignmentsPerSecond:N0} | {result.EventsPerSecond:N0} | {result.P50Ms:F2} | {result.P99Ms:F2} | {result.P999Ms:F2} | {result.Duplicates} | {result.Errors} | {result.CompleteBatches}/{result.Batches} |");
}
