using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Grain state in PostgreSQL (the serialized JSON as bytea, with a bigint ETag from a sequence, so a deleted and
/// re-created record never repeats an ETag). A record's journal entries are rows of
/// <c>fabric_grain_journal</c>, numbered by the ETag each append gave the record. Every write,
/// append and clear is conditional on both the ETag and the writer still holding the grain's
/// partition lease at its epoch: the lease row is read <c>FOR SHARE</c> in the same statement,
/// so a takeover (which updates that row) waits for an in-flight write to commit, and a paused
/// or partitioned silo can never overwrite a newer owner's state. The same statement changes the
/// journal, only when the record changed: an append adds its entry, a write or clear deletes the
/// entries. Reads, writes and appends of many grains in flight at once share round trips and
/// transactions (<see cref="StatementBatcher"/>), and the updates and appends of one batch are
/// one statement (<see cref="Changes"/>).
/// </summary>
public sealed partial class PostgreSqlGrainStorage(NpgsqlDataSource dataSource, string siloId, PostgreSqlMetrics? metrics = null) : IGrainStorage
{
    private const string Lease = "lease as (select 1 from fabric_leases where partition = @partition and owner = @silo and epoch = @epoch and expires_at > now() for share), ";
    private const string Key = "grain_type = @type and grain_key = @key and state_name = @name";

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

    private static readonly Statement[] s_clear = Fenced(fenced => Conditional(
        fenced,
        $"delete from fabric_grain_state s{(fenced ? " using lease" : string.Empty)} where {s_stateKey} and s.etag = @expected returning s.etag",
        s_discardJournal));

    private readonly StatementBatcher _statements = StatementBatcher.For(dataSource, metrics);
    private readonly Changes _changes = new(siloId);

    /// <summary>Single-row statements sent through the batcher so far (a statement retried alone counts twice).</summary>
    public long StatementsSent => _statements.Statements;

    /// <summary>Commands the batcher has sent so far: the updates and appends of one batch are one command.</summary>
    public long CommandsSent => _statements.Commands;

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
    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (expectedETag is not null)
        {
            return ChangeAsync(new Change(grainId, stateName, fence, expectedETag, payload, Snapshot: true), cancellationToken);
        }

        var arguments = new Arguments(grainId, stateName, fence, siloId, expectedETag, payload);
        var inserted = _statements.ExecuteAsync(arguments.FormOf(s_insert).Batched(arguments), fence.Partition, $"state|{grainId}|{stateName}");
        return ETagOrConflictAsync(inserted, grainId, stateName, expectedETag, fence, cancellationToken);
    }

    /// <summary>Adds the record's entry to its journal, numbered by the ETag the append gave the record.</summary>
    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedETag);
        cancellationToken.ThrowIfCancellationRequested();
        return ChangeAsync(new Change(grainId, stateName, fence, expectedETag, entry, Snapshot: false), cancellationToken);
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

    private static string KeyOf(string alias) => $"{alias}.{Key.Replace(" and ", $" and {alias}.", StringComparison.Ordinal)}";

    private static GrainStateRecord ReadRecord(NpgsqlDataReader reader) =>
        new(reader.GetFieldValue<byte[]>(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
        {
            Journal = Array.ConvertAll(reader.GetFieldValue<byte[][]>(2), static entry => (ReadOnlyMemory<byte>)entry),
        };

    private Task<string> ChangeAsync(Change change, CancellationToken cancellationToken) =>
        ETagOrConflictAsync(_statements.ExecuteAsync(_changes, change, change.Fence.Partition), change.Grain, change.StateName, change.ExpectedETag, change.Fence, cancellationToken);

    /// <summary>The new ETag a conditional insert, update or append returned, or why it changed nothing.</summary>
    private async Task<string> ETagOrConflictAsync(Task<long?> statement, GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        await statement is { } etag
            ? etag.ToString(CultureInfo.InvariantCulture)
            : throw await ConflictAsync(grainId, stateName, expectedETag, fence, cancellationToken);

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

    /// <summary>A conditional update (<see cref="Snapshot"/>: the new payload) or append (the entry) of one record.</summary>
    private readonly record struct Change(GrainId Grain, string StateName, WriteFence Fence, string ExpectedETag, ReadOnlyMemory<byte> Payload, bool Snapshot);

    /// <summary>
    /// The updates and appends of a batch as one command, each row conditional on its ETag and,
    /// when fenced, on this silo holding its partition's lease at its epoch. The lease rows are
    /// locked <c>FOR SHARE</c> first, in partition order. An update replaces the payload and
    /// deletes the journal; an append adds its entry, numbered by the record's new ETag.
    /// </summary>
    private sealed class Changes(string siloId) : RowStatement<Change>
    {
        private const string Sql =
            "with u as (select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::bytea[], $8::bool[]) " +
            "with ordinality as u(grain_type, grain_key, state_name, partition, epoch, expected, payload, snapshot, ord)), " +
            "lease as materialized (select l.partition, l.epoch from fabric_leases l where l.partition = any($4) and l.owner = $9 and l.expires_at > now() order by l.partition for share), " +
            // Each row is found by its key, one index lookup per row (the subquery is not flattened
            // into a join), then updated by its tuple id. A join of the state table with the rows
            // lets the planner choose a hash join over a scan of the whole table, which a plan
            // cached while the table was small keeps once it is large.
            "target as (select u.ord, u.expected, u.payload, u.snapshot, r.tid from u cross join lateral " +
            "(select s.ctid as tid from fabric_grain_state s where s.grain_type = u.grain_type and s.grain_key = u.grain_key and s.state_name = u.state_name offset 0) r " +
            "where u.partition < 0 or exists (select 1 from lease where lease.partition = u.partition and lease.epoch = u.epoch)), " +
            "changed as (update fabric_grain_state s set payload = case when t.snapshot then t.payload else s.payload end, etag = nextval('fabric_etag_seq'), updated_at = now() " +
            "from target t where s.ctid = t.tid and s.etag = t.expected " +
            "returning t.ord, s.etag, s.grain_type, s.grain_key, s.state_name, t.payload, t.snapshot), " +
            "appended as (insert into fabric_grain_journal (grain_type, grain_key, state_name, seq, payload) select grain_type, grain_key, state_name, etag, payload from changed where not snapshot), " +
            "discarded as (delete from fabric_grain_journal j using changed c where c.snapshot and j.grain_type = c.grain_type and j.grain_key = c.grain_key and j.state_name = c.state_name) " +
            "select ord, etag from changed";

        public override NpgsqlBatchCommand Build(IReadOnlyList<Change> rows)
        {
            var count = rows.Count;
            var (types, keys, names) = (new string[count], new string[count], new string[count]);
            var (partitions, epochs, expected) = (new int[count], new long[count], new long[count]);
            var (payloads, snapshots) = (new byte[count][], new bool[count]);
            for (var i = 0; i < count; i++)
            {
                var change = rows[i];
                (types[i], keys[i], names[i]) = (change.Grain.Type.Name, change.Grain.Key, change.StateName);
                (partitions[i], epochs[i], expected[i]) = (change.Fence.Partition, change.Fence.Epoch, ParseETag(change.ExpectedETag));
                payloads[i] = MemoryMarshal.TryGetArray(change.Payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : change.Payload.ToArray();
                snapshots[i] = change.Snapshot;
            }

            return new NpgsqlBatchCommand(Sql)
            {
                Parameters =
                {
                    new NpgsqlParameter<string[]> { TypedValue = types },
                    new NpgsqlParameter<string[]> { TypedValue = keys },
                    new NpgsqlParameter<string[]> { TypedValue = names },
                    new NpgsqlParameter<int[]> { TypedValue = partitions },
                    new NpgsqlParameter<long[]> { TypedValue = epochs },
                    new NpgsqlParameter<long[]> { TypedValue = expected },
                    new NpgsqlParameter<byte[][]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, TypedValue = payloads },
                    new NpgsqlParameter<bool[]> { TypedValue = snapshots },
                    new NpgsqlParameter<string> { TypedValue = siloId },
                },
            };
        }
    }
}
