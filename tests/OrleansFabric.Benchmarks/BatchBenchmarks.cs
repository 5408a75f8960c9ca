using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansFabric.Batches;
using OrleansFabric.PostgreSql;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Issue 5: essay batch slot coordination, the <see cref="EssayBatchGrain"/> on PostgreSQL
/// grain storage vs the ELS-002 PostgreSQL design (<see cref="SqlSlotCoordinator"/>), under
/// the same provisioning load with duplicates, some of them racing.
/// </summary>
internal static class BatchBenchmarks
{
    private const int Slots = 100;
    private const int WarmUpBatches = 10;

    // A whole run is bounded: a stuck side fails the benchmark instead of hanging it.
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(int concurrency, int batches, bool profile)
    {
        using var limit = new CancellationTokenSource(s_runLimit);
        var cancellationToken = limit.Token;
        await using var server = await PostgresServer.StartAsync();
        var warmUp = BatchWorkload.Create("warm", WarmUpBatches, Slots, seed: 7);
        var workload = BatchWorkload.Create("run", batches, Slots, seed: 5);

        // Each side gets its own database on the same server and a pool that never makes an
        // event wait for a connection: a racing pair puts two events of one worker in flight.
        var poolSize = 2 * concurrency;
        await using var sqlSource = CreateDataSource(await server.CreateDatabaseAsync("els"), poolSize);
        var baseline = new SqlSlotCoordinator(sqlSource);
        await baseline.CreateSchemaAsync(cancellationToken);

        // Warm-up on separate batches (JIT, prepared statements, pools), not reported.
        await RegisterAllAsync(warmUp, baseline.RegisterAsync, cancellationToken);
        await LoadAsync(warmUp, concurrency, baseline.ProvisionAsync, cancellationToken);
        await RegisterAllAsync(workload, baseline.RegisterAsync, cancellationToken);
        var sqlLoad = await LoadAsync(workload, concurrency, baseline.ProvisionAsync, cancellationToken);
        var (sqlDuplicates, sqlWrong, sqlFinal) = await baseline.VerifyAsync("run-", cancellationToken);
        var sql = Summarize("ELS-002 baseline: one PostgreSQL transaction per event (FOR UPDATE SKIP LOCKED + unique constraint)", workload, sqlLoad, sqlFinal, sqlDuplicates, batches - sqlWrong);

        await using var grainSource = CreateDataSource(await server.CreateDatabaseAsync("batches"), poolSize);
        await PostgreSqlSchema.EnsureAsync(grainSource, 256, cancellationToken);
        var (grain, grainProfile) = await GrainSideAsync(
            "EssayBatchGrain, PostgreSqlGrainStorage (one state write per assignment)",
            new PostgreSqlGrainStorage(grainSource, "bench"),
            grainSource,

            // The deadline reminder is durable, as in production: registering a batch and
            // completing it write and delete its row in fabric_reminders.
            new PostgreSqlReminderTable(grainSource),
            warmUp,
            workload,
            concurrency,
            cancellationToken);

        var rows = new List<(BatchRunResult Result, string Profile)> { (sql, string.Empty), (grain, grainProfile) };
        if (profile)
        {
            // Where the grain's time goes: without I/O, the runtime's own cost (an upper bound,
            // not a durable configuration).
            rows.Add(await GrainSideAsync("profile: EssayBatchGrain, InMemoryGrainStorage (no I/O, not durable)", new InMemoryGrainStorage(), null, new InMemoryReminderTable(), warmUp, workload, concurrency, cancellationToken));
        }

        var events = workload.Events.Length;
        Console.WriteLine($"{batches} batches × {Slots} slots, {events:N0} provisioning events ({workload.DuplicateEvents:N0} duplicates, {workload.RacingPairs:N0} of them fired at the same moment as their original), {concurrency} concurrent workers; grain deadline reminders in PostgreSQL (PostgreSqlReminderTable).");
        Console.WriteLine();
        Console.WriteLine($"| coordination ({concurrency} workers) | assignments/s | events/s | p50 ms | p99 ms | duplicates | errors | batches complete |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(Row(sql));
        Console.WriteLine(Row(grain));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| grain / baseline | {grain.AssignmentsPerSecond / sql.AssignmentsPerSecond:F2}x | {grain.EventsPerSecond / sql.EventsPerSecond:F2}x | {grain.P50Ms / sql.P50Ms:F2}x | {grain.P99Ms / sql.P99Ms:F2}x | | | |"));
        foreach (var (result, _) in rows.Skip(2))
        {
            Console.WriteLine(Row(result));
        }

        Console.WriteLine();
        foreach (var (result, profileLine) in rows)
        {
            Console.WriteLine($"{result.Name}: outcomes assigned {result.Assigned:N0}, already_assigned {result.AlreadyAssigned:N0}, no_slot_available {result.NoSlot:N0}, wall time {result.Elapsed.TotalSeconds:F2} s. {profileLine}");
            foreach (var sample in result.ErrorSamples)
            {
                Console.WriteLine($"  error: {sample}");
            }
        }
    }

    /// <summary>Runs the grain side on its own silo: warm-up, the measured load, then the check of its final state.</summary>
    private static async Task<(BatchRunResult Result, string Profile)> GrainSideAsync(
        string name,
        IGrainStorage inner,
        NpgsqlDataSource? dataSource,
        IReminderTable reminders,
        BatchWorkload warmUp,
        BatchWorkload workload,
        int concurrency,
        CancellationToken cancellationToken)
    {
        var storage = new TimedGrainStorage(inner);
        await using var silo = await TestSilo.StartAsync(services =>
        {
            services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, storage);
            services.AddSingleton(reminders);
            services.AddEssayBatches();
        });

        Task<ContentAssignment> Provision(string batchId, ProvisionContent content, CancellationToken token) =>
            silo.GrainFactory.GetGrain<IEssayBatchGrain>(batchId).ProvisionContentAsync(content, token);

        async Task RegisterAsync(string batchId, string[] essayIds, CancellationToken token)
        {
            var result = await silo.GrainFactory.GetGrain<IEssayBatchGrain>(batchId).RegisterAsync(new BatchDefinition(essayIds, 600, null), token);
            if (result != RegisterBatchResult.Created)
            {
                throw new InvalidOperationException($"Batch {batchId} was not created: {result}.");
            }
        }

        await RegisterAllAsync(warmUp, RegisterAsync, cancellationToken);
        await LoadAsync(warmUp, concurrency, Provision, cancellationToken);
        await RegisterAllAsync(workload, RegisterAsync, cancellationToken);
        storage.Reset();
        var transactionsBefore = (inner as PostgreSqlGrainStorage)?.Transactions ?? 0;
        var load = await LoadAsync(workload, concurrency, Provision, cancellationToken);
        var (writes, ticks, bytes) = (storage.Writes, storage.Ticks, storage.Bytes);
        var transactions = ((inner as PostgreSqlGrainStorage)?.Transactions ?? 0) - transactionsBefore;
        var (duplicates, complete, final) = await VerifyGrainsAsync(silo.GrainFactory, dataSource, workload, cancellationToken);
        var toMs = 1000.0 / Stopwatch.Frequency;
        var profile = string.Create(
            CultureInfo.InvariantCulture,
            $"State writes: {writes:N0}, mean {(writes == 0 ? 0 : ticks * toMs / writes):F2} ms, mean payload {(writes == 0 ? 0 : bytes / writes):N0} bytes ({bytes / 1048576.0:F1} MiB){(transactions == 0 ? string.Empty : $", in {transactions:N0} transactions ({(double)writes / transactions:F1} writes per transaction)")}.");
        return (Summarize(name, workload, load, final, duplicates, complete), profile);
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString, int poolSize)
    {
        // Both sides use the runtime's tuned data source (automatic prepared statements) so
        // neither pays for statement parsing the other avoids.
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = poolSize };
        return PostgreSqlFabric.CreateDataSource(settings.ConnectionString);
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

                // Workers are independent clients: one whose calls complete synchronously (a
                // duplicate answered from memory, an in-memory write) must not keep the thread
                // while other workers' finished calls wait to be observed; that wait is not the
                // coordinator's latency.
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
                    errors.Add($"{key.Batch}/{key.Content}: no_slot_available (every content fits: 100 distinct contents for 100 slots)");
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

    /// <summary>Reads each batch back (grain status) and its persisted state (the jsonb row), counting duplicates and batches that are not completed with exactly 100 assignments.</summary>
    private static async Task<(int Duplicates, int Complete, Dictionary<(string, string), string> Final)> VerifyGrainsAsync(
        IGrainFactory grains,
        NpgsqlDataSource? dataSource,
        BatchWorkload workload,
        CancellationToken cancellationToken)
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

        if (dataSource is null)
        {
            return (duplicates, complete, final);
        }

        // The durable copy must agree: every batch row holds 100 assignments, 100 distinct contents
        // in 100 distinct slots (each assignment is stored as [essay_id, text_storage_id, file, ticks]).
        await using var command = dataSource.CreateCommand("""
            with batch as (
                select convert_from(payload, 'UTF8')::jsonb as state from fabric_grain_state
                where grain_type = 'essay-batch' and grain_key like 'run-%')
            select count(*) from batch
            where jsonb_array_length(state->'assignments') = $1
              and (select count(distinct a->>1) from jsonb_array_elements(state->'assignments') a) = $1
              and (select count(distinct a->>0) from jsonb_array_elements(state->'assignments') a) = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Slots });
        var persisted = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return (duplicates, Math.Min(complete, persisted), final);
    }

    private static string Row(BatchRunResult result) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {result.Name} | {result.AssignmentsPerSecond:N0} | {result.EventsPerSecond:N0} | {result.P50Ms:F2} | {result.P99Ms:F2} | {result.Duplicates} | {result.Errors} | {result.CompleteBatches}/{result.Batches} |");
}
