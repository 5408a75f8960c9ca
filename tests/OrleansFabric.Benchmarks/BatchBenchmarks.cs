using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OrleansFabric.Batches;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 16 (batch assignment): the <see cref="IEssayBatchGrain"/> on the PostgreSQL-durable
/// silo process (Orleans' ADO.NET grain storage and reminders), called through the grain
/// client, against the ELS-002 PostgreSQL design (<see cref="SqlSlotCoordinator"/>: one
/// transaction per event, <c>FOR UPDATE SKIP LOCKED</c> and a unique constraint), under the same
/// provisioning load with duplicates, some of them racing, on one throwaway PostgreSQL.
/// </summary>
internal static class BatchBenchmarks
{
    private const int Slots = 100;
    private const int WarmUpBatches = 10;

    // A whole run is bounded: a stuck side fails the benchmark instead of hanging it.
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(Options options)
    {
        var concurrency = options.Int("concurrency", 32);
        var batches = options.Int("batches", 100);
        var rounds = options.Int("rounds", 3);
        using var limit = new CancellationTokenSource(s_runLimit);
        var cancellationToken = limit.Token;
        await using var server = await PostgresServer.StartAsync();
        var postmaster = await PostmasterAsync(server.ConnectionString);
        var warmUp = BatchWorkload.Create("warm", WarmUpBatches, Slots, seed: 7);

        // The baseline's pool never makes an event wait for a connection: a racing pair puts two
        // events of one worker in flight. Automatic preparation gives it its best case.
        var sqlConnection = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("els")) { MaxPoolSize = 2 * concurrency, MaxAutoPrepare = 32 }.ConnectionString;
        await using var sqlSource = NpgsqlDataSource.Create(sqlConnection);
        var baseline = new SqlSlotCoordinator(sqlSource);
        await baseline.CreateSchemaAsync(cancellationToken);

        // The grain side: the silo process with its production persistence (Persistence:Provider=AdoNet,
        // its default pool of 20), Localhost clustering, reached through the grain client.
        await using var silo = await BenchSilo.StartReadyAsync(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = await server.CreateDatabaseAsync("batches"),
        });
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

        // Warm-up on separate batches (JIT in both processes, prepared statements, pools), not reported.
        await RegisterAllAsync(warmUp, baseline.RegisterAsync, cancellationToken);
        await LoadAsync(warmUp, concurrency, baseline.ProvisionAsync, cancellationToken);
        await RegisterAllAsync(warmUp, GrainRegisterAsync, cancellationToken);
        await LoadAsync(warmUp, concurrency, GrainProvision, cancellationToken);

        var rows = new List<string>();
        var notes = new List<string>();
        var ratios = new List<double>();
        var p99s = new List<double>();
        var failed = false;
        for (var round = 1; round <= rounds; round++)
        {
            var workload = BatchWorkload.Create($"r{round}", batches, Slots, seed: (uint)(5 + round));
            await RegisterAllAsync(workload, baseline.RegisterAsync, cancellationToken);
            var (sqlLoad, sqlCpu) = await MeasuredAsync(0, postmaster, () => LoadAsync(workload, concurrency, baseline.ProvisionAsync, cancellationToken));
            var (sqlDuplicates, sqlWrong, sqlFinal) = await baseline.VerifyAsync($"r{round}-", cancellationToken);
            var sql = Summarize("ELS-002 baseline: one transaction per event (FOR UPDATE SKIP LOCKED + unique constraint)", workload, sqlLoad, sqlFinal, sqlDuplicates, batches - sqlWrong);

            await RegisterAllAsync(workload, GrainRegisterAsync, cancellationToken);
            var (grainLoad, grainCpu) = await MeasuredAsync(silo.Process.ProcessId, postmaster, () => LoadAsync(workload, concurrency, GrainProvision, cancellationToken));
            var (grainDuplicates, grainComplete, grainFinal) = await VerifyGrainsAsync(grains, workload, cancellationToken);
            var grain = Summarize("EssayBatchGrain, silo process, journaled grain storage (PostgreSQL)", workload, grainLoad, grainFinal, grainDuplicates, grainComplete);

            rows.Add(Row(round, sql));
            rows.Add(Row(round, grain));
            var ratio = grain.AssignmentsPerSecond / sql.AssignmentsPerSecond;
            ratios.Add(ratio);
            p99s.Add(grain.P99Ms);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {round} | grain / baseline | {ratio:F2}x | {grain.EventsPerSecond / sql.EventsPerSecond:F2}x | {grain.P50Ms / sql.P50Ms:F2}x | {grain.P99Ms / sql.P99Ms:F2}x | | | |"));
            failed |= grain.Errors > 0 || grain.Duplicates > 0 || grainComplete < batches;
            notes.Add($"round {round}: baseline CPU per event: {sqlCpu.Describe(workload.Events.Length, "this process (the coordinator)")}");
            notes.Add($"round {round}: grain CPU per event: {grainCpu.Describe(workload.Events.Length, "the silo process")}");
            foreach (var result in new[] { sql, grain })
            {
                notes.Add($"round {round}: {result.Name}: assigned {result.Assigned:N0}, already_assigned {result.AlreadyAssigned:N0}, no_slot_available {result.NoSlot:N0}, wall time {result.Elapsed.TotalSeconds:F2} s");
                notes.AddRange(result.ErrorSamples.Select(sample => $"  error: {sample}"));
            }
        }

        var sample = BatchWorkload.Create("r1", batches, Slots, seed: 6);
        Console.WriteLine($"{batches} batches × {Slots} slots per round, {sample.Events.Length:N0} provisioning events ({sample.DuplicateEvents:N0} duplicates, {sample.RacingPairs:N0} of them racing their original), {concurrency} concurrent workers, {rounds} round(s)");
        Console.WriteLine();
        Console.WriteLine($"| round | coordination ({concurrency} workers) | assignments/s | events/s | p50 ms | p99 ms | duplicates | errors | batches complete |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        notes.ForEach(Console.WriteLine);
        ratios.Sort();
        p99s.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grain / baseline assignments/s: median {ratios[ratios.Count / 2]:F2}x ({string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); grain p99 median {p99s[p99s.Count / 2]:F2} ms"));
        return failed ? 3 : 0;
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

    private static async Task RegisterAllAsync(BatchWorkload workload, Func<string, string[], CancellationToken, Task> register, CancellationToken cancellationToken)
    {
        foreach (var batchId in workload.BatchIds)
        {
            await register(batchId, workload.EssayIds(batchId), cancellationToken);
        }
    }

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

    /// <summary>Checks every answer against the final state and the rules: one Assigned per content, the same slot in every answer, no other outcome.</summary>
    private static BatchRunResult Summarize(
        string name,
        BatchWorkload workload,
        LoadResult load,
        IReadOnlyDictionary<(string Batch, string Content), string> final,
        int duplicates,
        int completeBatches)
    {
        var histogram = new LatencyHistogram();
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

        var toMs = 1000.0 / Stopwatch.Frequency;
        return new BatchRunResult(
            name,
            load.Elapsed,
            workload.Events.Length,
            assigned,
            already,
            noSlot,
            histogram.Quantile(0.5) * toMs,
            histogram.Quantile(0.99) * toMs,
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
            $"| {round} | {result.Name} | {result.AssignmentsPerSecond:N0} | {result.EventsPerSecond:N0} | {result.P50Ms:F2} | {result.P99Ms:F2} | {result.Duplicates} | {result.Errors} | {result.CompleteBatches}/{result.Batches} |");
}
