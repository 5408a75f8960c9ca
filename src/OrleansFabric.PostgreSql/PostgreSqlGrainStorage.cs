using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Grain state in PostgreSQL (the serialized JSON as bytea, with a bigint ETag from a sequence, so a deleted and
/// re-created record never repeats an ETag). Every write is one statement conditional on both
/// the ETag and the writer still holding the grain's partition lease at its epoch: the lease
/// row is read <c>FOR SHARE</c> in the same statement, so a takeover (which updates that row)
/// waits for an in-flight write to commit, and a paused or partitioned silo can never
/// overwrite a newer owner's state. Reads and writes of many grains in flight at once share
/// round trips and transactions (<see cref="StatementBatcher"/>).
/// </summary>
public sealed class PostgreSqlGrainStorage(NpgsqlDataSource dataSource, string siloId) : IGrainStorage
{
    private const string Lease = "with lease as (select 1 from fabric_leases where partition = @partition and owner = @silo and epoch = @epoch and expires_at > now() for share) ";
    private const string Key = "grain_type = @type and grain_key = @key and state_name = @name";

    private readonly StatementBatcher _statements = StatementBatcher.For(dataSource);

    /// <summary>Statements sent over this data source's batches so far: state reads and writes, reminder writes (a diagnostic).</summary>
    public long StatementsSent => _statements.Statements;

    /// <summary>Transactions those statements took: fewer than statements when they were batched.</summary>
    public long Transactions => _statements.Transactions;

    /// <inheritdoc/>
    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            token =>
            {
                token.ThrowIfCancellationRequested();
                var command = new NpgsqlBatchCommand($"select payload, etag from fabric_grain_state where {Key}");
                AddKey(command.Parameters, grainId, stateName);
                return _statements.QueryAsync<GrainStateRecord?>(
                    command,
                    static reader => new GrainStateRecord(reader.GetFieldValue<byte[]>(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture)),
                    noRow: null);
            },
            cancellationToken);

    /// <inheritdoc/>
    public async Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        var fenced = fence.Partition >= 0;
        var sql = expectedETag is null
            ? (fenced ? Lease : string.Empty) +
              "insert into fabric_grain_state (grain_type, grain_key, state_name, partition, payload, etag) " +
              $"select @type, @key, @name, @grainPartition, @payload, nextval('fabric_etag_seq'){(fenced ? " from lease" : string.Empty)} " +
              "on conflict (grain_type, grain_key, state_name) do nothing returning etag"
            : (fenced ? Lease : string.Empty) +
              $"update fabric_grain_state s set payload = @payload, etag = nextval('fabric_etag_seq'), updated_at = now(){(fenced ? " from lease" : string.Empty)} " +
              $"where s.{Key.Replace(" and ", " and s.", StringComparison.Ordinal)} and s.etag = @expected returning s.etag";
        cancellationToken.ThrowIfCancellationRequested();
        var command = new NpgsqlBatchCommand(sql);
        AddKey(command.Parameters, grainId, stateName);
        AddFence(command.Parameters, fence);
        command.Parameters.AddWithValue("grainPartition", fence.Partition >= 0 ? fence.Partition : 0);
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = payload });
        if (expectedETag is not null)
        {
            command.Parameters.AddWithValue("expected", ParseETag(expectedETag));
        }

        if (await _statements.ExecuteAsync(command, fence.Partition, $"state|{grainId}|{stateName}") is { } etag)
        {
            return etag.ToString(CultureInfo.InvariantCulture);
        }

        throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
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
        var sql = (fenced ? Lease : string.Empty) +
                  $"delete from fabric_grain_state s{(fenced ? " using lease" : string.Empty)} where s.{Key.Replace(" and ", " and s.", StringComparison.Ordinal)} and s.etag = @expected returning 1";
        await using var command = dataSource.CreateCommand(sql);
        AddKey(command.Parameters, grainId, stateName);
        AddFence(command.Parameters, fence);
        command.Parameters.AddWithValue("expected", ParseETag(expectedETag));
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
        {
            throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
        }
    }

    private static long ParseETag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;

    private static void AddKey(NpgsqlParameterCollection parameters, GrainId grainId, string stateName)
    {
        parameters.AddWithValue("type", grainId.Type.Name);
        parameters.AddWithValue("key", grainId.Key);
        parameters.AddWithValue("name", stateName);
    }

    private void AddFence(NpgsqlParameterCollection parameters, WriteFence fence)
    {
        parameters.AddWithValue("partition", fence.Partition);
        parameters.AddWithValue("silo", siloId);
        parameters.AddWithValue("epoch", fence.Epoch);
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
