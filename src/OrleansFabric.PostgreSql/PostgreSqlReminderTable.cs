using System.Globalization;
using Npgsql;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Durable reminders in PostgreSQL, indexed by partition so a partition's new owner loads its
/// reminders. Registrations and removals share transactions with grain state writes
/// (<see cref="StatementBatcher"/>); both are idempotent, so a failed one is simply retried.
/// </summary>
public sealed class PostgreSqlReminderTable(NpgsqlDataSource dataSource, PostgreSqlMetrics? metrics = null) : IReminderTable
{
    /// <summary>Reminder statements lock no lease row.</summary>
    private const int NoLease = -1;

    private readonly StatementBatcher _statements = StatementBatcher.For(dataSource, metrics);

    /// <inheritdoc/>
    public Task<string> UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Transient.RetryAsync(
            async token =>
            {
                token.ThrowIfCancellationRequested();
                var command = new NpgsqlBatchCommand(
                    "insert into fabric_reminders (grain_type, grain_key, name, partition, start_at, period_ms, etag) values (@type, @key, @name, @partition, @start, @period, nextval('fabric_etag_seq')) " +
                    "on conflict (grain_type, grain_key, name) do update set partition = excluded.partition, start_at = excluded.start_at, period_ms = excluded.period_ms, etag = excluded.etag returning etag");
                command.Parameters.AddWithValue("type", entry.GrainId.Type.Name);
                command.Parameters.AddWithValue("key", entry.GrainId.Key);
                command.Parameters.AddWithValue("name", entry.Name);
                command.Parameters.AddWithValue("partition", entry.Partition);
                command.Parameters.AddWithValue("start", entry.StartAt.UtcDateTime);
                command.Parameters.AddWithValue("period", (long)entry.Period.TotalMilliseconds);
                var etag = await _statements.ExecuteAsync(command, NoLease, Row(entry.GrainId, entry.Name)) ?? throw new InvalidOperationException("The reminder upsert returned no row.");
                return etag.ToString(CultureInfo.InvariantCulture);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveAsync(GrainId grainId, string name, string? etag, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                token.ThrowIfCancellationRequested();
                var command = new NpgsqlBatchCommand(
                    "delete from fabric_reminders where grain_type = @type and grain_key = @key and name = @name and (@etag::bigint is null or etag = @etag::bigint) returning 1::bigint");
                command.Parameters.AddWithValue("type", grainId.Type.Name);
                command.Parameters.AddWithValue("key", grainId.Key);
                command.Parameters.AddWithValue("name", name);
                command.Parameters.AddWithValue("etag", etag is null ? DBNull.Value : long.Parse(etag, CultureInfo.InvariantCulture));
                return await _statements.ExecuteAsync(command, NoLease, Row(grainId, name)) is not null;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken) =>
        Transient.RetryAsync<IReadOnlyList<ReminderEntry>>(
            async token =>
            {
                await using var command = dataSource.CreateCommand(
                    "select grain_type, grain_key, name, partition, start_at, period_ms, etag from fabric_reminders where partition = any(@partitions)");
                command.Parameters.AddWithValue("partitions", partitions.ToArray());
                var entries = new List<ReminderEntry>();
                await using var reader = await command.ExecuteReaderAsync(token);
                while (await reader.ReadAsync(token))
                {
                    entries.Add(new ReminderEntry(
                        new GrainId(new GrainType(reader.GetString(0)), reader.GetString(1)),
                        reader.GetString(2),
                        new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
                        TimeSpan.FromMilliseconds(reader.GetInt64(5)),
                        reader.GetInt32(3),
                        reader.GetInt64(6).ToString(CultureInfo.InvariantCulture)));
                }

                return entries;
            },
            cancellationToken);

    private static string Row(GrainId grainId, string name) => $"reminder|{grainId}|{name}";
}
