using System.Globalization;
using System.Text.RegularExpressions;
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
public sealed partial class PostgreSqlGrainStorage(NpgsqlDataSource dataSource, string siloId) : IGrainStorage
{
    private const string Lease = "lease as (select 1 from fabric_leases where partition = @partition and owner = @silo and epoch = @epoch and expires_at > now() for share), ";
    private const string Key = "grain_type = @type and grain_key = @key and state_name = @name";

    private const string AppendEntry = "insert into fabric_grain_journal (grain_type, grain_key, state_name, seq, payload) select @type, @key, @name, etag, @payload from changed";

    private static readonly string s_stateKey = KeyOf("s");
    private static readonly string s_journalKey = KeyOf("j");

    private static readonly string s_discardJournal = $"delete from fabric_grain_journal j where {s_journalKey} and exists (select 1 from changed)";

    private static readonly Statement s_read = new($"select payload, etag, array(select j.payload from fabric_grain_journal j where {s_journalKey} order by j.seq) from fabric_grain_state where {Key}");

    // Each conditional statement in two forms, indexed by whether the write is fenced by a lease.
    private static readonly Statement[] s_insert = Fenced(fenced => Conditional(
        fenced,
        "insert into fabric_grain_state (grain_type, grain_key, state_name, partition, payload, etag) " +
        $"select @type, @key, @name, @grainPartition, @payload, nextval('fabric_etag_seq'){(fenced ? " from lease" : string.Empty)} " +
        "on conflict (grain_type, grain_key, state_name) do nothing returning etag",
        s_discardJournal));

    private static readonly Statement[] s_update = Fenced(fenced => Conditional(fenced, Update(fenced, "payload = @payload, "), s_discardJournal));

    private static readonly Statement[] s_append = Fenced(fenced => Conditional(fenced, Update(fenced, string.Empty), AppendEntry));

    private static readonly Statement[] s_clear = Fenced(fenced => Conditional(
        fenced,
        $"delete from fabric_grain_state s{(fenced ? " using lease" : string.Empty)} where {s_stateKey} and s.etag = @expected returning s.etag",
        s_discardJournal));

    private readonly StatementBatcher _statements = StatementBatcher.For(dataSource);

    /// <summary>Statements sent through the batcher so far (a statement retried alone counts twice).</summary>
    public long StatementsSent => _statements.Statements;

    /// <summary>Round trips (transactions) the batcher has sent so far.</summary>
    public long Transactions => _statements.Transactions;

    /// <inheritdoc/>
    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            token =>
            {
                token.ThrowIfCancellationRequested();
                return _statements.QueryAsync<GrainStateRecord?>(s_read.Batched(new Arguments(grainId, stateName)), ReadRecord, noRow: null);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        ChangeAsync(expectedETag is null ? s_insert : s_update, new Arguments(grainId, stateName, fence, siloId, expectedETag, payload), cancellationToken);

    /// <summary>Adds the record's entry to its journal, numbered by the ETag the append gave the record.</summary>
    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedETag);
        return ChangeAsync(s_append, new Arguments(grainId, stateName, fence, siloId, expectedETag, entry), cancellationToken);
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

        var arguments = new Arguments(grainId, stateName, fence, siloId, expectedETag);
        var statement = arguments.FormOf(s_clear);
        await using var command = dataSource.CreateCommand(statement.Sql);
        statement.AddParameters(command.Parameters, arguments);
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
        {
            throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);
        }
    }

    private static long ParseETag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;

    private static Statement[] Fenced(Func<bool, string> sql) => [new(sql(false)), new(sql(true))];

    private static string Conditional(bool fenced, string change, string journal) =>
        $"with {(fenced ? Lease : string.Empty)}changed as ({change}), journal as ({journal}) select etag from changed";

    private static string Update(bool fenced, string set) =>
        $"update fabric_grain_state s set {set}etag = nextval('fabric_etag_seq'), updated_at = now(){(fenced ? " from lease" : string.Empty)} " +
        $"where {s_stateKey} and s.etag = @expected returning s.etag";

    private static string KeyOf(string alias) => $"{alias}.{Key.Replace(" and ", $" and {alias}.", StringComparison.Ordinal)}";

    private static GrainStateRecord ReadRecord(NpgsqlDataReader reader) =>
        new(reader.GetFieldValue<byte[]>(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
        {
            Journal = Array.ConvertAll(reader.GetFieldValue<byte[][]>(2), static entry => (ReadOnlyMemory<byte>)entry),
        };

    private async Task<string> ChangeAsync(Statement[] forms, Arguments arguments, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var command = arguments.FormOf(forms).Batched(arguments);
        if (await _statements.ExecuteAsync(command, arguments.Fence.Partition, $"state|{arguments.Grain}|{arguments.StateName}") is { } etag)
        {
            return etag.ToString(CultureInfo.InvariantCulture);
        }

        throw await ConflictAsync(arguments.Grain, arguments.StateName, arguments.ExpectedETag, arguments.Fence, cancellationToken);
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

    /// <summary>What a statement's parameters are taken from.</summary>
    private readonly record struct Arguments(
        GrainId Grain,
        string StateName,
        WriteFence Fence = default,
        string Silo = "",
        string? ExpectedETag = null,
        ReadOnlyMemory<byte> Payload = default)
    {
        public bool Fenced => Fence.Partition >= 0;

        /// <summary>Of a statement's two forms (unfenced, fenced), the one these arguments need.</summary>
        public Statement FormOf(Statement[] forms) => forms[Fenced ? 1 : 0];

        /// <summary>The parameter <paramref name="name"/> stands for, typed (no boxing) and unnamed (positional).</summary>
        public NpgsqlParameter Parameter(string name) => name switch
        {
            "type" => new NpgsqlParameter<string> { TypedValue = Grain.Type.Name },
            "key" => new NpgsqlParameter<string> { TypedValue = Grain.Key },
            "name" => new NpgsqlParameter<string> { TypedValue = StateName },
            "partition" => new NpgsqlParameter<int> { TypedValue = Fence.Partition },
            "silo" => new NpgsqlParameter<string> { TypedValue = Silo },
            "epoch" => new NpgsqlParameter<long> { TypedValue = Fence.Epoch },
            "grainPartition" => new NpgsqlParameter<int> { TypedValue = Fenced ? Fence.Partition : 0 },
            "payload" => new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = Payload },
            "expected" => new NpgsqlParameter<long> { TypedValue = ParseETag(ExpectedETag!) },
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a parameter of the grain state statements."),
        };
    }

    /// <summary>
    /// A statement written with named parameters for reading, turned once into positional ones
    /// (<c>$1</c>, <c>$2</c>, … in order of first use). Npgsql sends a statement with positional
    /// parameters as it is, instead of parsing and rewriting its text at every execution.
    /// </summary>
    private sealed partial class Statement
    {
        private readonly List<string> _names = [];

        public Statement(string sql) =>
            Sql = Placeholder().Replace(sql, match =>
            {
                var index = _names.IndexOf(match.Groups[1].Value);
                if (index < 0)
                {
                    _names.Add(match.Groups[1].Value);
                    index = _names.Count - 1;
                }

                return string.Create(CultureInfo.InvariantCulture, $"${index + 1}");
            });

        public string Sql { get; }

        public NpgsqlBatchCommand Batched(in Arguments arguments)
        {
            var command = new NpgsqlBatchCommand(Sql);
            AddParameters(command.Parameters, arguments);
            return command;
        }

        public void AddParameters(NpgsqlParameterCollection parameters, in Arguments arguments)
        {
            foreach (var name in _names)
            {
                parameters.Add(arguments.Parameter(name));
            }
        }

        [GeneratedRegex(@"@(\w+)")]
        private static partial Regex Placeholder();
    }
}
