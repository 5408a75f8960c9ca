using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Group commit across grains: single-row statements (grain state reads, writes and journal
/// appends, reminder writes) that arrive while earlier ones are in flight are sent together, as one
/// <see cref="NpgsqlBatch"/> (one round trip, one implicit transaction, one commit). Under load
/// a silo has many activations writing at once, and a round trip and a commit per write are
/// most of the cost; a lone statement is sent at once, so light load pays nothing. Changes queued
/// for the same <see cref="RowStatement{TRow}"/> go out as one command of that batch. Every
/// provider over one data source shares one batcher (<see cref="For"/>), and its
/// <see cref="PostgreSqlMetrics"/> (each statement's wait, each batch's size, time and outcome).
/// </summary>
/// <remarks>
/// A state write or append is conditional (ETag and lease) and reports a mismatch as "no row",
/// so one grain's conflict never fails the others. A statement that raises an error rolls the whole
/// batch back (PostgreSQL answered, so nothing was committed); every statement of that batch
/// is then run alone, so only the faulty one reports the error. Any other failure (the
/// connection broke) leaves the outcome unknown and is reported to every statement of the
/// batch, as it would be to a lone one: the runtime reloads those activations from what is
/// durable, and reminder writes and reads are retried (they are idempotent).
/// <para>
/// Lease renewals and takeovers lock lease rows in partition order, and so does a batch: when
/// more than one of its commands locks lease rows <c>FOR SHARE</c>, its first command locks all of
/// them, in partition order, so a batch never waits for a renewal that waits for it (a deadlock
/// PostgreSQL would only break after <c>deadlock_timeout</c>, stalling every write behind it).
/// Other rows are locked in the order of their statements' row keys.
/// </para>
/// </remarks>
internal sealed class StatementBatcher(NpgsqlDataSource dataSource)
{
    private const string LockLeases = "select 1 from fabric_leases where partition = any($1) order by partition for share";

    private static readonly ConditionalWeakTable<NpgsqlDataSource, StatementBatcher> s_batchers = [];

    /// <summary>
    /// Batches in flight at once: one commits while the next fills. More split the same queue
    /// into smaller transactions (measured on 2 cores: 2 gave more writes per second and a lower
    /// p99 than 4 or 8, in both the batch and the session benchmarks).
    /// </summary>
    internal const int MaxConcurrentBatches = 2;

    /// <summary>Statements per batch: bounds one transaction's size and lock footprint.</summary>
    internal const int MaxBatchSize = 64;

    private readonly ConcurrentQueue<PendingStatement> _queue = new();
    private int _flushers;
    private long _transactions;
    private long _commands;
    private long _statements;

    private PostgreSqlMetrics? _metrics;

    /// <summary>
    /// The batcher of <paramref name="dataSource"/>, shared by every provider that writes through
    /// it. The first <paramref name="metrics"/> given for a data source record its batches, for
    /// every provider over it (a silo gives the same instance to all of them).
    /// </summary>
    public static StatementBatcher For(NpgsqlDataSource dataSource, PostgreSqlMetrics? metrics)
    {
        var batcher = s_batchers.GetValue(dataSource, source => new StatementBatcher(source));
        if (metrics is not null)
        {
            Interlocked.CompareExchange(ref batcher._metrics, metrics, null);
        }

        return batcher;
    }

    /// <summary>Round trips sent so far, each one transaction.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Commands sent so far: the changes of a <see cref="RowStatement{TRow}"/> in one batch are one command.</summary>
    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>Single-row statements (reads, writes, changes) sent so far: one retried alone counts twice.</summary>
    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>
    /// Runs a single-row statement in the next batch and returns its first column (a bigint), or
    /// null when it matched no row. Cancellation is not forwarded: once queued, a write may share a
    /// transaction with others, and an abandoned write still commits or fails as a whole.
    /// </summary>
    /// <param name="command">The statement.</param>
    /// <param name="lease">The partition whose lease row it locks <c>FOR SHARE</c>, or -1.</param>
    /// <param name="row">The row it writes, unique per table (the table's name is part of it): rows are locked in this order.</param>
    public Task<long?> ExecuteAsync(NpgsqlBatchCommand command, int lease, string row) =>
        Queue(new PendingCommand<long?>(command, lease, row, static reader => reader.GetInt64(0), noRow: null));

    /// <summary>
    /// Makes a change of one row in the next batch, in one command with the other changes queued
    /// for <paramref name="statement"/>, and returns its value, or null when it took no effect.
    /// Rows so changed are never changed by two batches at once (a grain has one write of a
    /// state in flight), so their lock order does not matter.
    /// </summary>
    /// <param name="statement">The statement whose command makes the change.</param>
    /// <param name="row">The change's arguments.</param>
    /// <param name="lease">The partition whose lease row the change locks <c>FOR SHARE</c>, or -1.</param>
    public Task<long?> ExecuteAsync<TRow>(RowStatement<TRow> statement, TRow row, int lease) =>
        Queue(new PendingRow<TRow>(statement, row, lease));

    /// <summary>
    /// Runs a query for at most one row in the next batch (reads of many activations starting at
    /// once, after a failover, share round trips too) and maps the row, or returns
    /// <paramref name="noRow"/>. A read takes no lock; its place in the batch does not matter.
    /// </summary>
    public Task<T> QueryAsync<T>(NpgsqlBatchCommand command, Func<NpgsqlDataReader, T> readRow, T noRow) =>
        Queue(new PendingCommand<T>(command, -1, string.Empty, readRow, noRow));

    private Task<T> Queue<T>(PendingStatement<T> pending)
    {
        pending.QueuedAt = _metrics?.Now() ?? 0;
        _queue.Enqueue(pending);
        if (Interlocked.Increment(ref _flushers) <= MaxConcurrentBatches)
        {
            // Off the caller's context: the caller is usually an activation's turn.
            _ = Task.Run(FlushAsync);
        }
        else
        {
            Interlocked.Decrement(ref _flushers);
        }

        return pending.Completion.Task;
    }

    private async Task FlushAsync()
    {
        var batch = new List<PendingStatement>(MaxBatchSize);
        while (true)
        {
            while (true)
            {
                batch.Clear();
                while (batch.Count < MaxBatchSize && _queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                if (batch.Count == 0)
                {
                    break;
                }

                var metrics = _metrics;
                var takenAt = metrics?.Now() ?? 0;
                if (metrics is not null)
                {
                    foreach (var statement in batch)
                    {
                        metrics.Taken(statement.QueuedAt, takenAt);
                    }
                }

                batch.Sort(static (x, y) => string.CompareOrdinal(x.Row, y.Row));
                try
                {
                    await ExecuteBatchAsync(batch, takenAt);
                }
                catch (Exception exception)
                {
                    // Whatever went wrong, no statement is left waiting and the flusher goes on.
                    foreach (var statement in batch)
                    {
                        statement.Fail(exception);
                    }
                }
            }

            // A statement enqueued after the last dequeue, while every flusher was busy, found
            // no free flusher: the flusher leaving now must not leave it behind.
            Interlocked.Decrement(ref _flushers);
            if (_queue.IsEmpty)
            {
                return;
            }

            if (Interlocked.Increment(ref _flushers) > MaxConcurrentBatches)
            {
                Interlocked.Decrement(ref _flushers);
                return;
            }
        }
    }

    /// <summary>Runs <paramref name="statements"/> as one batch, taken at <paramref name="startedAt"/> (on the metrics' clock).</summary>
    private async Task ExecuteBatchAsync(List<PendingStatement> statements, long startedAt)
    {
        try
        {
            // Nothing is answered before the whole batch has committed.
            await RunAsync(statements);
            _metrics?.BatchEnded(statements.Count, startedAt, PostgreSqlMetrics.Committed);
            foreach (var statement in statements)
            {
                statement.Complete();
            }
        }
        catch (PostgresException) when (statements.Count > 1)
        {
            _metrics?.BatchEnded(statements.Count, startedAt, PostgreSqlMetrics.RolledBack);
            foreach (var statement in statements)
            {
                await ExecuteBatchAsync([statement], _metrics?.Now() ?? 0);
            }
        }
        catch (Exception exception)
        {
            _metrics?.BatchEnded(statements.Count, startedAt, exception is PostgresException ? PostgreSqlMetrics.RolledBack : PostgreSqlMetrics.Failed);
            foreach (var statement in statements)
            {
                statement.Fail(exception);
            }
        }
    }

    private async Task RunAsync(List<PendingStatement> statements)
    {
        var commands = Plan(statements);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        var leases = commands.Count(command => command.Leases.Any()) > 1 ? commands.SelectMany(command => command.Leases).Distinct().Order().ToArray() : [];
        if (leases.Length > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockLeases) { Parameters = { new NpgsqlParameter<int[]> { TypedValue = leases } } });
        }

        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command.Create());
        }

        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _commands, batch.BatchCommands.Count);
        Interlocked.Add(ref _statements, statements.Count);
        await using var reader = await batch.ExecuteReaderAsync();
        if (leases.Length > 0)
        {
            await reader.NextResultAsync();
        }

        foreach (var command in commands)
        {
            await command.ReadAsync(reader);
            await reader.NextResultAsync();
        }
    }

    /// <summary>The commands of a batch: a statement's own, or one for all the changes of a <see cref="RowStatement{TRow}"/>.</summary>
    private static List<Command> Plan(List<PendingStatement> statements)
    {
        var commands = new List<Command>(statements.Count);
        Dictionary<object, Command>? shared = null;
        foreach (var statement in statements)
        {
            statement.Reset();
            if (statement.Statement is not { } group)
            {
                commands.Add(new Command([statement]));
                continue;
            }

            shared ??= new Dictionary<object, Command>(ReferenceEqualityComparer.Instance);
            if (!shared.TryGetValue(group, out var command))
            {
                command = new Command([]);
                shared.Add(group, command);
                commands.Add(command);
            }

            command.Members.Add(statement);
        }

        return commands;
    }

    /// <summary>One command of a batch and the statements it runs.</summary>
    private sealed class Command(List<PendingStatement> members)
    {
        public List<PendingStatement> Members { get; } = members;

        /// <summary>The partitions whose lease rows the command locks.</summary>
        public IEnumerable<int> Leases => Members.Where(member => member.Lease >= 0).Select(member => member.Lease);

        public NpgsqlBatchCommand Create() => Members[0].Create(Members);

        /// <summary>Gives each statement its row of the result, if it has one.</summary>
        public async Task ReadAsync(NpgsqlDataReader reader)
        {
            if (Members[0].Statement is null)
            {
                if (await reader.ReadAsync())
                {
                    Members[0].Read(reader);
                }

                return;
            }

            while (await reader.ReadAsync())
            {
                Members[(int)reader.GetInt64(0) - 1].Read(reader);
            }
        }
    }

    /// <summary>A queued statement: where it goes in the lock order, and how its answer is read and given.</summary>
    private abstract class PendingStatement(int lease, string row)
    {
        public int Lease { get; } = lease;

        public string Row { get; } = row;

        /// <summary>When it was queued, on the metrics' clock (0 without metrics).</summary>
        public long QueuedAt { get; set; }

        /// <summary>The <see cref="RowStatement{TRow}"/> whose command runs this change, or null for a statement of its own.</summary>
        public abstract object? Statement { get; }

        /// <summary>Forgets a result read in an earlier attempt (its batch rolled back).</summary>
        public abstract void Reset();

        /// <summary>The command that runs this statement, with the others of <paramref name="members"/> (this one first).</summary>
        public abstract NpgsqlBatchCommand Create(List<PendingStatement> members);

        /// <summary>Maps the current row; the value is given only once the batch has committed.</summary>
        public abstract void Read(NpgsqlDataReader reader);

        /// <summary>Gives the value <see cref="Read"/> mapped, or the no-row value.</summary>
        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private abstract class PendingStatement<T>(int lease, string row, T noRow) : PendingStatement(lease, row)
    {
        private bool _found;
        private T? _value;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Reset() => (_found, _value) = (false, default);

        public override void Read(NpgsqlDataReader reader) => (_found, _value) = (true, Map(reader));

        public override void Complete() => Completion.TrySetResult(_found ? _value! : noRow);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        protected abstract T Map(NpgsqlDataReader reader);
    }

    /// <summary>A statement with a command of its own.</summary>
    private sealed class PendingCommand<T>(NpgsqlBatchCommand command, int lease, string row, Func<NpgsqlDataReader, T> readRow, T noRow)
        : PendingStatement<T>(lease, row, noRow)
    {
        private NpgsqlBatchCommand? _sent;

        public override object? Statement => null;

        /// <summary>A command belongs to one batch: a retry sends a copy.</summary>
        public override NpgsqlBatchCommand Create(List<PendingStatement> members)
        {
            if (_sent is null)
            {
                _sent = command;
                return command;
            }

            var copy = new NpgsqlBatchCommand(command.CommandText);
            foreach (NpgsqlParameter parameter in command.Parameters)
            {
                copy.Parameters.Add(parameter.Clone());
            }

            return copy;
        }

        protected override T Map(NpgsqlDataReader reader) => readRow(reader);
    }

    /// <summary>A change of one row, sent in its statement's command.</summary>
    private sealed class PendingRow<TRow>(RowStatement<TRow> statement, TRow row, int lease) : PendingStatement<long?>(lease, string.Empty, noRow: null)
    {
        public override object? Statement => statement;

        public override NpgsqlBatchCommand Create(List<PendingStatement> members) =>
            statement.Build(members.ConvertAll(member => ((PendingRow<TRow>)member).Change));

        protected override long? Map(NpgsqlDataReader reader) => reader.GetInt64(1);

        private TRow Change { get; } = row;
    }
}
