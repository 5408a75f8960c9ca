using Npgsql;
using OrleansFabric.Batches;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The baseline for the batch benchmark: the slot coordination that ELS-002 ("Essay Lifecycle
/// Service Distributed State Management Implementation") describes for PostgreSQL, rebuilt
/// with Npgsql so the grain is compared with the design it replaces rather than with a
/// strawman. It exists only in this benchmark. From the document:
/// <list type="bullet">
/// <item>"4.2 Solution Architecture / Database-Level Idempotency" and "Phase 1: Database
/// Constraints": a unique constraint on (batch_id, text_storage_id), "atomic content
/// provisioning with SELECT FOR UPDATE", "IntegrityError handled as idempotent success".</item>
/// <item>"3.2 Issue #2": the idempotency check and the slot assignment must not be separate
/// steps, so here they share one transaction.</item>
/// <item>"6.2 Error Scenarios": "Unique violations → Handle as idempotent success".</item>
/// </list>
/// ELS-002 does not spell out the slot query; the brief of issue 5 does (the lowest free slot,
/// <c>FOR UPDATE SKIP LOCKED</c>), so concurrent events of one batch take different slots
/// instead of queueing on one row. ELS-002's final design (Phase 2) moved slot selection to a
/// Redis SPOP; that needs a Redis server and is not reproduced: this is its PostgreSQL part.
/// </summary>
internal sealed class SqlSlotCoordinator(NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";

    /// <summary>Creates the tables: a batch row (for its completion), its slots, and the assignments with the idempotency constraint.</summary>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            create table els_batches (
                batch_id text primary key,
                expected_count int not null,
                completed_at timestamptz);
            create table els_slots (
                batch_id text not null references els_batches,
                slot_index int not null,
                essay_id text not null,
                text_storage_id text,
                assigned_at timestamptz,
                primary key (batch_id, slot_index),
                unique (batch_id, essay_id));
            create table els_assignments (
                batch_id text not null,
                essay_id text not null,
                text_storage_id text not null,
                original_file_name text,
                assigned_at timestamptz not null,
                -- "Phase 1: Database Constraints": the unique constraint that makes provisioning idempotent.
                constraint els_assignments_content unique (batch_id, text_storage_id),
                -- "Phase 1": "Foreign key constraint ensures referential integrity".
                foreign key (batch_id, essay_id) references els_slots (batch_id, essay_id));
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Registers a batch: one row per slot, free (no content) until assigned.</summary>
    public async Task RegisterAsync(string batchId, IReadOnlyList<string> essayIds, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var insertBatch = new NpgsqlBatchCommand("insert into els_batches (batch_id, expected_count) values ($1, $2)");
        insertBatch.Parameters.Add(new NpgsqlParameter { Value = batchId });
        insertBatch.Parameters.Add(new NpgsqlParameter { Value = essayIds.Count });
        batch.BatchCommands.Add(insertBatch);
        var insertSlots = new NpgsqlBatchCommand("insert into els_slots (batch_id, slot_index, essay_id) select $1, i, essay from unnest($2::text[]) with ordinality as t(essay, i)");
        insertSlots.Parameters.Add(new NpgsqlParameter { Value = batchId });
        insertSlots.Parameters.Add(new NpgsqlParameter { Value = essayIds.ToArray() });
        batch.BatchCommands.Add(insertSlots);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One provisioning event, as ELS-002 handles it: one transaction, a unique violation meaning a concurrent duplicate won.</summary>
    public async Task<ContentAssignment> ProvisionAsync(string batchId, ProvisionContent content, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        string essayId;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // "3.2 Issue #2": the idempotency check, inside the transaction that assigns.
            var existing = await AssignedSlotAsync(connection, batchId, content.TextStorageId, cancellationToken);
            if (existing is not null)
            {
                await transaction.CommitAsync(cancellationToken);
                return new ContentAssignment(AssignmentOutcome.AlreadyAssigned, existing);
            }

            // "Phase 1": SELECT FOR UPDATE on the next free slot; SKIP LOCKED so concurrent events of the batch take different slots.
            await using (var select = new NpgsqlCommand(
                "select slot_index, essay_id from els_slots where batch_id = $1 and text_storage_id is null order by slot_index limit 1 for update skip locked", connection))
            {
                select.Parameters.Add(new NpgsqlParameter { Value = batchId });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    await reader.DisposeAsync();
                    await transaction.CommitAsync(cancellationToken);
                    return new ContentAssignment(AssignmentOutcome.NoSlotAvailable, null);
                }

                essayId = reader.GetString(1);
            }

            await using var assign = new NpgsqlBatch(connection);
            var update = new NpgsqlBatchCommand("update els_slots set text_storage_id = $3, assigned_at = now() where batch_id = $1 and essay_id = $2");
            update.Parameters.Add(new NpgsqlParameter { Value = batchId });
            update.Parameters.Add(new NpgsqlParameter { Value = essayId });
            update.Parameters.Add(new NpgsqlParameter { Value = content.TextStorageId });
            assign.BatchCommands.Add(update);
            var insert = new NpgsqlBatchCommand("insert into els_assignments (batch_id, essay_id, text_storage_id, original_file_name, assigned_at) values ($1, $2, $3, $4, now())");
            insert.Parameters.Add(new NpgsqlParameter { Value = batchId });
            insert.Parameters.Add(new NpgsqlParameter { Value = essayId });
            insert.Parameters.Add(new NpgsqlParameter { Value = content.TextStorageId });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)content.OriginalFileName ?? DBNull.Value });
            assign.BatchCommands.Add(insert);
            try
            {
                await assign.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == UniqueViolation)
            {
                // "6.2 Error Scenarios": a concurrent duplicate committed first; this one is an idempotent success with the winner's slot.
                await transaction.RollbackAsync(cancellationToken);
                var winner = await AssignedSlotAsync(connection, batchId, content.TextStorageId, cancellationToken)
                    ?? throw new InvalidOperationException($"Unique violation for {batchId}/{content.TextStorageId} but no winning assignment.");
                return new ContentAssignment(AssignmentOutcome.AlreadyAssigned, winner);
            }
        }

        await CompleteIfFullAsync(connection, batchId, cancellationToken);
        return new ContentAssignment(AssignmentOutcome.Assigned, essayId);
    }

    /// <summary>Batches whose final state is wrong: a content in two slots, a slot with two contents, a count other than expected, or not completed.</summary>
    public async Task<(int Duplicates, int WrongBatches, Dictionary<(string Batch, string Content), string> Assigned)> VerifyAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var duplicates = new NpgsqlCommand("""
            select (select count(*) from (select 1 from els_slots where text_storage_id is not null and starts_with(batch_id, $1) group by batch_id, text_storage_id having count(*) > 1) c)
                 + (select count(*) from (select 1 from els_assignments where starts_with(batch_id, $1) group by batch_id, essay_id having count(*) > 1) s)
                 + (select count(*) from els_assignments a join els_slots s using (batch_id, essay_id) where starts_with(batch_id, $1) and s.text_storage_id is distinct from a.text_storage_id)
                 + (select count(*) from els_slots s where starts_with(batch_id, $1) and s.text_storage_id is not null
                      and not exists (select 1 from els_assignments a where a.batch_id = s.batch_id and a.essay_id = s.essay_id))
            """, connection);
        duplicates.Parameters.Add(new NpgsqlParameter { Value = prefix });
        var duplicateCount = Convert.ToInt32(await duplicates.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        await using var wrong = new NpgsqlCommand("""
            select count(*) from els_batches b
            where starts_with(b.batch_id, $1)
              and (b.completed_at is null
                   or b.expected_count <> (select count(*) from els_assignments a where a.batch_id = b.batch_id))
            """, connection);
        wrong.Parameters.Add(new NpgsqlParameter { Value = prefix });
        var wrongBatches = Convert.ToInt32(await wrong.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        var assigned = new Dictionary<(string, string), string>();
        await using var read = new NpgsqlCommand("select batch_id, text_storage_id, essay_id from els_assignments where starts_with(batch_id, $1)", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = prefix });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            assigned[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        }

        return (duplicateCount, wrongBatches, assigned);
    }

    private static async Task<string?> AssignedSlotAsync(NpgsqlConnection connection, string batchId, string textStorageId, CancellationToken cancellationToken)
    {
        await using var lookup = new NpgsqlCommand("select essay_id from els_assignments where batch_id = $1 and text_storage_id = $2", connection);
        lookup.Parameters.Add(new NpgsqlParameter { Value = batchId });
        lookup.Parameters.Add(new NpgsqlParameter { Value = textStorageId });
        return await lookup.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// Marks the batch completed once no slot is free ("9.2 Data Integrity": "Batch completion
    /// logic remains accurate under concurrency"). It runs after the commit so the last of
    /// several concurrent final assignments sees all of them; the guarded update completes a
    /// batch exactly once. The grain does this inside its one state write.
    /// </summary>
    private static async Task CompleteIfFullAsync(NpgsqlConnection connection, string batchId, CancellationToken cancellationToken)
    {
        await using var complete = new NpgsqlCommand(
            "update els_batches set completed_at = now() where batch_id = $1 and completed_at is null and not exists (select 1 from els_slots where batch_id = $1 and text_storage_id is null)", connection);
        complete.Parameters.Add(new NpgsqlParameter { Value = batchId });
        await complete.ExecuteNonQueryAsync(cancellationToken);
    }
}
