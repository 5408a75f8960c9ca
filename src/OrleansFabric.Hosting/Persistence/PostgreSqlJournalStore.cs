using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Journals in PostgreSQL (tables <c>fabric_journal</c> and <c>fabric_journal_entry</c>), with
/// the operations of many grains grouped into one round trip: one batch is at the server at a
/// time, and whatever reads, appends and snapshot writes arrive meanwhile go as the next batch
/// of at most four statements, each over arrays of keys; each caller learns its own outcome when
/// its batch committed. So concurrent grains share round trips and commits the way a group
/// commit does, while every write stays durable before its caller hears of it, and a version
/// check per key fences stale writers (a key whose version moved on is left out and its caller
/// gets <see cref="InconsistentStateException"/>). One batch at a time rather than two, on the
/// development machine (the server's cores shared with the silo, docs/benchmarks.md):
/// PostgreSQL's CPU per durable message 40-41 µs against 62-75 µs, the silo's 125-127 µs against
/// 146-152 µs, and about a quarter more messages accepted per second.
/// </summary>
public sealed class PostgreSqlJournalStore : IJournalStore, IAsyncDisposable
{
    /// <summary>The most operations one batch carries.</summary>
    public const int MaxBatch = 512;

    /// <summary>
    /// How many statements each connection keeps prepared unless the connection string says
    /// otherwise (<c>Max Auto Prepare</c>): the store sends four kinds of statement, so every
    /// batch after the first few on a connection skips their parsing and planning.
    /// </summary>
    public const int AutoPrepared = 8;

    /// <summary>
    /// The settings of the store's sessions unless the connection string gives <c>Options</c>:
    /// each prepared statement is planned once per connection (no planning per batch), and that
    /// plan reaches the rows through the primary keys even when it was made while the tables were
    /// empty. Every statement of the store has an index path; left to itself, a plan made on small
    /// tables scans them whole and keeps doing so as they grow (PostgreSQL's CPU per write doubled
    /// or tripled in some ingest rounds), and planning every batch instead cost about a quarter of
    /// PostgreSQL's CPU per durable message.
    /// </summary>
    public const string SessionOptions = "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off";

    // A version moves only when its check passes; a journal not yet stored is created (expected 0).
    private const string AppendSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS i(key, expected, version)
        ), bumped AS (
            UPDATE fabric_journal AS j SET version = i.version
            FROM input AS i
            WHERE j.key = i.key AND j.version = i.expected AND i.expected > 0
            RETURNING j.key
        ), created AS (
            INSERT INTO fabric_journal (key, version, snapshot)
            SELECT i.key, i.version, NULL FROM input AS i WHERE i.expected = 0
            ON CONFLICT (key) DO NOTHING
            RETURNING key
        ), written AS (
            SELECT key FROM bumped UNION ALL SELECT key FROM created
        ), appended AS (
            INSERT INTO fabric_journal_entry (key, seq, entry)
            SELECT e.key, e.seq, e.entry FROM unnest($4::text[], $5::bigint[], $6::bytea[]) AS e(key, seq, entry)
            WHERE e.key IN (SELECT key FROM written)
        )
        SELECT key FROM written
        """;

    private const string ReplaceSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) AS i(key, expected, snapshot)
        ), bumped AS (
            UPDATE fabric_journal AS j SET version = i.expected + 1, snapshot = i.snapshot
            FROM input AS i
            WHERE j.key = i.key AND j.version = i.expected AND i.expected > 0
            RETURNING j.key
        ), created AS (
            INSERT INTO fabric_journal (key, version, snapshot)
            SELECT i.key, 1, i.snapshot FROM input AS i WHERE i.expected = 0
            ON CONFLICT (key) DO NOTHING
            RETURNING key
        ), written AS (
            SELECT key FROM bumped UNION ALL SELECT key FROM created
        ), pruned AS (
            DELETE FROM fabric_journal_entry AS e USING written AS w WHERE e.key = w.key
        )
        SELECT key FROM written
        """;

    private const string ReadJournalsSql = "SELECT key, version, snapshot FROM fabric_journal WHERE key = ANY($1::text[])";

    private const string ReadEntriesSql = "SELECT key, entry FROM fabric_journal_entry WHERE key = ANY($1::text[]) ORDER BY key, seq";

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<Operation> _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Task _batches;
    private long _roundTrips;

    /// <summary>Starts the store on <paramref name="connectionString"/> (the schema must exist: <see cref="PostgreSqlSchema"/>).</summary>
    public PostgreSqlJournalStore(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(ConnectionSettings(connectionString));
        _batches = Task.Run(RunBatchesAsync);
    }

    /// <summary>Batches sent to the server so far: with concurrent grains, fewer than the operations.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>
    /// The settings the store connects with: <paramref name="connectionString"/>, with
    /// <see cref="AutoPrepared"/> statements prepared automatically unless it sets
    /// <c>Max Auto Prepare</c> itself (0 turns preparation off), and <see cref="SessionOptions"/>
    /// unless it sets <c>Options</c>.
    /// </summary>
    public static string ConnectionSettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        if (!given.Any(key => string.Equals(key.Replace(" ", string.Empty, StringComparison.Ordinal), "MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            builder.MaxAutoPrepare = AutoPrepared;
        }

        if (string.IsNullOrEmpty(builder.Options))
        {
            builder.Options = SessionOptions;
        }

        return builder.ConnectionString;
    }

    /// <inheritdoc/>
    public Task<StoredJournal?> ReadAsync(string key) => Enqueue(new Read(key));

    /// <inheritdoc/>
    public Task<long> AppendAsync(string key, long expectedVersion, IReadOnlyList<byte[]> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return Enqueue(new Append(key, expectedVersion, entries));
    }

    /// <inheritdoc/>
    public Task<long> ReplaceAsync(string key, long expectedVersion, byte[]? snapshot) => Enqueue(new Replace(key, expectedVersion, snapshot));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _batches;
        await _dataSource.DisposeAsync();
    }

    private Task<T> Enqueue<T>(Operation<T> operation)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(operation), this);
        return operation.Completion.Task;
    }

    private async Task RunBatchesAsync()
    {
        // An operation on a key already in the batch waits for the next one: a batch changes a key once.
        var deferred = new List<Operation>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            var batch = new List<Operation>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var waiting = deferred;
            deferred = [];
            foreach (var operation in waiting)
            {
                (keys.Add(operation.Key) ? batch : deferred).Add(operation);
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var operation))
            {
                (keys.Add(operation.Key) ? batch : deferred).Add(operation);
            }

            if (batch.Count > 0)
            {
                await ExecuteAsync(batch);
            }
        }
    }

    private async Task ExecuteAsync(List<Operation> batch)
    {
        var appends = batch.OfType<Append>().ToList();
        var replaces = batch.OfType<Replace>().ToList();
        var reads = batch.OfType<Read>().ToList();
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlBatch(connection);
            if (appends.Count > 0)
            {
                var entries = appends.SelectMany(append => append.Entries.Select((entry, i) => (append.Key, Seq: append.Expected + i + 1, Entry: entry))).ToList();
                command.BatchCommands.Add(Command(
                    AppendSql,
                    Array(appends.Select(append => append.Key), NpgsqlDbType.Text),
                    Array(appends.Select(append => append.Expected), NpgsqlDbType.Bigint),
                    Array(appends.Select(append => append.Expected + append.Entries.Count), NpgsqlDbType.Bigint),
                    Array(entries.Select(entry => entry.Key), NpgsqlDbType.Text),
                    Array(entries.Select(entry => entry.Seq), NpgsqlDbType.Bigint),
                    Array(entries.Select(entry => entry.Entry), NpgsqlDbType.Bytea)));
            }

            if (replaces.Count > 0)
            {
                command.BatchCommands.Add(Command(
                    ReplaceSql,
                    Array(replaces.Select(replace => replace.Key), NpgsqlDbType.Text),
                    Array(replaces.Select(replace => replace.Expected), NpgsqlDbType.Bigint),
                    Array(replaces.Select(replace => replace.Snapshot), NpgsqlDbType.Bytea)));
            }

            if (reads.Count > 0)
            {
                var keys = reads.Select(read => read.Key).ToArray();
                command.BatchCommands.Add(Command(ReadJournalsSql, Array(keys, NpgsqlDbType.Text)));
                command.BatchCommands.Add(Command(ReadEntriesSql, Array(keys, NpgsqlDbType.Text)));
            }

            Interlocked.Increment(ref _roundTrips);
            await using var reader = await command.ExecuteReaderAsync();
            if (appends.Count > 0)
            {
                var written = await ReadKeysAsync(reader);
                foreach (var append in appends)
                {
                    Complete(append, written, append.Expected + append.Entries.Count);
                }

                await reader.NextResultAsync();
            }

            if (replaces.Count > 0)
            {
                var written = await ReadKeysAsync(reader);
                foreach (var replace in replaces)
                {
                    Complete(replace, written, replace.Expected + 1);
                }

                await reader.NextResultAsync();
            }

            if (reads.Count > 0)
            {
                var journals = new Dictionary<string, (long Version, byte[]? Snapshot)>(StringComparer.Ordinal);
                while (await reader.ReadAsync())
                {
                    journals[reader.GetString(0)] = (reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2));
                }

                await reader.NextResultAsync();
                var entries = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
                while (await reader.ReadAsync())
                {
                    var key = reader.GetString(0);
                    if (!entries.TryGetValue(key, out var list))
                    {
                        entries[key] = list = [];
                    }

                    list.Add(reader.GetFieldValue<byte[]>(1));
                }

                foreach (var read in reads)
                {
                    read.Completion.TrySetResult(journals.TryGetValue(read.Key, out var journal)
                        ? new StoredJournal(journal.Version, journal.Snapshot, entries.TryGetValue(read.Key, out var stored) ? stored : [])
                        : null);
                }
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Nothing of the batch is known to be committed: every caller hears of the failure.
            foreach (var operation in batch)
            {
                operation.Fail(exception);
            }
        }
    }

    private static void Complete(Operation<long> operation, HashSet<string> written, long version)
    {
        if (written.Contains(operation.Key))
        {
            operation.Completion.TrySetResult(version);
        }
        else
        {
            var expected = operation.Expected.ToString(CultureInfo.InvariantCulture);
            operation.Completion.TrySetException(new InconsistentStateException($"The state of '{operation.Key}' is no longer at version {expected}: another activation wrote it.", "unknown", expected));
        }
    }

    private static async Task<HashSet<string>> ReadKeysAsync(NpgsqlDataReader reader)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Array<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };

    private abstract class Operation(string key, long expected)
    {
        public string Key { get; } = key;

        public long Expected { get; } = expected;

        public abstract void Fail(Exception exception);
    }

    private abstract class Operation<T>(string key, long expected) : Operation(key, expected)
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class Read(string key) : Operation<StoredJournal?>(key, 0);

    private sealed class Append(string key, long expected, IReadOnlyList<byte[]> entries) : Operation<long>(key, expected)
    {
        public IReadOnlyList<byte[]> Entries { get; } = entries;
    }

    private sealed class Replace(string key, long expected, byte[]? snapshot) : Operation<long>(key, expected)
    {
        public byte[]? Snapshot { get; } = snapshot;
    }
}
