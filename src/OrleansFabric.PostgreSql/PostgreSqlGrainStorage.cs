using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Grain state in PostgreSQL (the serialized JSON as bytea, with a bigint ETag from a sequence, so a deleted and
/// re-created record never repeats an ETag). A record's journal entries are rows of
/// <c>fabric_grain_journal</c>, numbered by the ETag each append gave the record. Every write,
/// append and clear is one statement conditional on both the ETag and the writer still holding
/// the grain's partition lease at its epoch: the lease row is read <c>FOR SHARE</c> in the same
/// statement, so a takeover (which updates that row) waits for an in-flight write to commit, and
/// a paused or partitioned silo can never overwrite a newer owner's state. The same statement
/// changes the journal, only when the record changed: an append adds its entry, a write or clear
/// deletes the entries. Reads, writes and appends of many grains in flight at once share round
/// trips and transactions (<see cref="StatementBatcher"/>).
/// </summary>
public sealed class PostgreSqlGrainStorage(NpgsqlDataSource dataSource, string siloId) : IGrainStorage
{
    private const string Lease = "lease as (select 1 from fabric_leases where partition = @partition and owner = @silo and epoch = @epoch and expires_at > now() for share), ";
    private const string Key = "grain_type = @type and grain_key = @key and state_name = @name";

    /// <summary>Adds the record's entry to its journal, numbered by the ETag the append gave the record.</summary>
    private const string AppendEntry = "insert into fabric_grain_journal (grain_type, grain_key, state_name, seq, payload) select @type, @key, @name, etag, @payload from changed";

    private static readonly string s_stateKey = KeyOf("s");
    private static readonly string s_journalKey = KeyOf("j");

    /// <summary>Deletes the record's journal: a write replaced its payload, or a clear deleted it.</summary>
    private static readonly string s_discardJournal = $"delete from fabric_grain_journal j where {s_journalKey} and exists (select 1 from changed)";

    private readonly StatementBatcher _statements = StatementBatcher.For(dataSource);

    /// <summary>Statements sent over this data source's batches so far: state reads, writes and appends, reminder writes (a diagnostic).</summary>
    public long StatementsSent => _statements.Statements;

    /// <summary>Transactions those statements took: fewer than statements when they were batched.</summary>
    public long Transactions => _statements.Transactions;

    /// <inheritdoc/>
    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            token =>
            {
                token.ThrowIfCancellationRequested();
                var command = new NpgsqlBatchCommand(
                    $"select payload, etag, array(select j.payload from fabric_grain_journal j where {s_journalKey} order by j.seq) from fabric_grain_state where {Key}");
                AddKey(command.Parameters, grainId, stateName);
                return _statements.QueryAsync<GrainStateRecord?>(command, ReadRecord, noRow: null);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        var fenced = fence.Partition >= 0;
        var change = expectedETag is null
            ? "insert into fabric_grain_state (grain_type, grain_key, state_name, partition, payload, etag) " +
              $"select @type, @key, @name, @grainPartition, @payload, nextval('fabric_etag_seq'){(fenced ? " from lease" : string.Empty)} " +
              "on conflict (grain_type, grain_key, state_name) do nothing returning etag"
            : Update(fenced, "payload = @payload, ");
        return ChangeAsync(Conditional(fenced, change, s_discardJournal), grainId, stateName, payload, expectedETag, fence, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedETag);
        var fenced = fence.Partition >= 0;
        return ChangeAsync(Conditional(fenced, Update(fenced, string.Empty), AppendEntry), grainId, stateName, entry, expectedETag, fence, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        if (expectedETag is null)
        {
            var existing = await ReadAsync(grainId, stateName, cancellationToken);
            if (existing is not null)
            {
                throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
            }

            return;
        }

        var fenced = fence.Partition >= 0;
        var delete = $"delete from fabric_grain_state s{(fenced ? " using lease" : string.Empty)} where {s_stateKey} and s.etag = @expected returning s.etag";
        await using var command = dataSource.CreateCommand(Conditional(fenced, delete, s_discardJournal));
        AddParameters(command.Parameters, grainId, stateName, expectedETag, fence);
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
        {
            throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
        }
    }

    /// <summary>
    /// One statement that makes <paramref name="change"/> (a CTE <c>changed</c> returning the
    /// record's new ETag, or no row when the ETag or, if fenced, the lease does not match) and,
    /// only when it changed the record, <paramref name="journal"/>; it returns the new ETag or no row.
    /// </summary>
    private static string Conditional(bool fenced, string change, string journal) =>
        $"with {(fenced ? Lease : string.Empty)}changed as ({change}), journal as ({journal}) select etag from changed";

    /// <summary>Gives the record with the expected ETag a new ETag, after <paramref name="set"/> (more assignments, each followed by ", ").</summary>
    private static string Update(bool fenced, string set) =>
        $"update fabric_grain_state s set {set}etag = nextval('fabric_etag_seq'), updated_at = now(){(fenced ? " from lease" : string.Empty)} " +
        $"where {s_stateKey} and s.etag = @expected returning s.etag";

    /// <summary><see cref="Key"/> with its columns qualified by <paramref name="alias"/>.</summary>
    private static string KeyOf(string alias) => $"{alias}.{Key.Replace(" and ", $" and {alias}.", StringComparison.Ordinal)}";

    private static GrainStateRecord ReadRecord(NpgsqlDataReader reader) =>
        new(reader.GetFieldValue<byte[]>(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
        {
            Journal = Array.ConvertAll(reader.GetFieldValue<byte[][]>(2), static entry => (ReadOnlyMemory<byte>)entry),
        };

    /// <summary>Runs a write or an append (a <see cref="Conditional"/> statement) in the next batch and returns the new ETag.</summary>
    private async Task<string> ChangeAsync(string sql, GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, grainId, stateName, expectedETag, fence);
        command.Parameters.AddWithValue("grainPartition", fence.Partition >= 0 ? fence.Partition : 0);
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = payload });
        if (await _statements.ExecuteAsync(command, fence.Partition, $"state|{grainId}|{stateName}") is { } etag)
        {
            return etag.ToString(CultureInfo.InvariantCulture);
        }

        throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
    }

    private static long ParseETag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;

    private static void AddKey(NpgsqlParameterCollection parameters, GrainId grainId, string stateName)
    {
        parameters.AddWithValue("type", grainId.Type.Name);
        parameters.AddWithValue("key", grainId.Key);
        parameters.AddWithValue("name", stateName);
    }

    /// <summary>The parameters of a conditional statement: the key, the fence and the expected ETag (when there is one).</summary>
    private void AddParameters(NpgsqlParameterCollection parameters, GrainId grainId, string stateName, string? expectedETag, WriteFence fence)
    {
        AddKey(parameters, grainId, stateName);
        parameters.AddWithValue("partition", fence.Partition);
        parameters.AddWithValue("silo", siloId);
        parameters.AddWithValue("epoch", fence.Epoch);
        if (expectedETag is not null)
        {
            parameters.AddWithValue("expected", ParseETag(expectedETag));
        }
    }

    /// <summary>Says why a conditional statement changed nothing: a lost lease or another ETag.</summary>
    private async Task<InconsistentStateException> ConflictAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        var stored = (await ReadAsync(grainId, stateName, cancellationToken))?.ETag;
        if (fence.Partition >= 0)
        {
            await using var command = dataSource.CreateCommand("select owner, epoch, expires_at > now() from fabric_leases where partition = @partition");
            command.Parameters.AddWithValue("partition", fence.Partition);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var owner = reader.IsDBNull(0) ? null : reader.GetString(0);
                var epoch = reader.GetInt64(1);
                var live = !reader.IsDBNull(2) && reader.GetBoolean(2);
                if (owner != siloId || epoch != fence.Epoch || !live)
                {
                    return new InconsistentStateException(
                        $"Write to {grainId} ({stateName}) rejected: partition {fence.Partition} is held by '{owner ?? "nobody"}' at epoch {epoch}{(live ? string.Empty : " (expired)")}, not by this silo at epoch {fence.Epoch}.")
                    {
                        ExpectedETag = expectedETag,
                        StoredETag = stored,
                    };
                }
            }
        }

        return new InconsistentStateException($"State '{stateName}' of {grainId} was changed by another writer (expected ETag '{expectedETag ?? "<none>"}', stored '{stored ?? "<none>"}').")
        {
            ExpectedETag = expectedETag,
            StoredETag = stored,
        };
    }
}
