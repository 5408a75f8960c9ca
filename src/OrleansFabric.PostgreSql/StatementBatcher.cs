using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Group commit across grains: single-row statements (grain state reads, writes and journal
/// appends, reminder writes) that arrive while earlier ones are in flight are sent together, as one
/// <see cref="NpgsqlBatch"/> (one round trip, one implicit transaction, one commit). Under load
/// a silo has many activations writing at once, and a round trip and a commit per write are
/// most of the cost; a lone statement is sent at once, so light load pays nothing. Every
/// provider over one data source shares one batcher (<see cref="For"/>).
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
/// A batch takes row locks in one global order, (partition, row), and lease renewals and
/// takeovers lock lease rows in partition order too, so a batch holding one lease row
/// <c>FOR SHARE</c> never waits for a renewal that waits for it (a deadlock PostgreSQL would
/// only break after <c>deadlock_timeout</c>, stalling every write behind it).
/// </para>
/// </remarks>
internal sealed class StatementBatcher(NpgsqlDataSource dataSource)
{
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
    private long _statements;

    /// <summary>The batcher of <paramref name="dataSource"/>, shared by every provider that writes through it.</summary>
    public static StatementBatcher For(NpgsqlDataSource dataSource) => s_batchers.GetValue(dataSource, source => new StatementBatcher(source));

    /// <summary>Round trips sent so far, each one transaction.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Statements sent so far: a write retried alone counts twice.</summary>
    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>
    /// Runs a single-row statement in the next batch and returns its first column (a bigint), or
    /// null when it matched no row. Cancellation is not forwarded: once queued, a write may share a
    /// transaction with others, and an abandoned write still commits or fails as a whole.
    /// </summary>
    /// <param name="command">The statement.</param>
    /// <param name="partition">Its place in the lock order: the partition whose lease row it locks.</param>
    /// <param name="row">The row it writes, unique per table (the table's name is part of it).</param>
    public Task<long?> ExecuteAsync(NpgsqlBatchCommand command, int partition, string row) =>
        QueueAsync<long?>(command, partition, row, static reader => reader.GetInt64(0), noRow: null);

    /// <summary>
    /// Runs a query for at most one row in the next batch (reads of many activations starting at
    /// once, after a failover, share round trips too) and maps the row, or returns
    /// <paramref name="noRow"/>. A read takes no lock; its place in the batch does not matter.
    /// </summary>
    public Task<T> QueryAsync<T>(NpgsqlBatchCommand command, Func<NpgsqlDataReader, T> readRow, T noRow) =>
        QueueAsync(command, -1, string.Empty, readRow, noRow);

    private Task<T> QueueAsync<T>(NpgsqlBatchCommand command, int partition, string row, Func<NpgsqlDataReader, T> readRow, T noRow)
    {
        var pending = new PendingStatement<T>(command, partition, row, readRow, noRow);
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

                batch.Sort(static (x, y) => x.Partition != y.Partition ? x.Partition.CompareTo(y.Partition) : string.CompareOrdinal(x.Row, y.Row));
                try
                {
                    await ExecuteBatchAsync(batch);
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

    private async Task ExecuteBatchAsync(List<PendingStatement> statements)
    {
        try
        {
            // Nothing is answered before the whole batch has committed.
            var results = await RunAsync(statements);
            for (var i = 0; i < statements.Count; i++)
            {
                statements[i].Complete(results[i]);
            }
        }
        catch (PostgresException) when (statements.Count > 1)
        {
            foreach (var statement in statements)
            {
                statement.Command = Copy(statement.Command);
                await ExecuteBatchAsync([statement]);
            }
        }
        catch (Exception exception)
        {
            foreach (var statement in statements)
            {
                statement.Fail(exception);
            }
        }
    }

    private async Task<object?[]> RunAsync(List<PendingStatement> statements)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement.Command);
        }

        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _statements, statements.Count);
        var results = new object?[statements.Count];
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            for (var i = 0; i < statements.Count; i++)
            {
                results[i] = await reader.ReadAsync() ? statements[i].Read(reader) : null;
                await reader.NextResultAsync();
            }
        }

        return results;
    }

    /// <summary>A statement and its parameters belong to one batch: a retry runs a copy.</summary>
    private static NpgsqlBatchCommand Copy(NpgsqlBatchCommand command)
    {
        var copy = new NpgsqlBatchCommand(command.CommandText);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            copy.Parameters.Add(parameter.Clone());
        }

        return copy;
    }

    /// <summary>A queued statement: where it goes in the lock order, and how its answer is read and given.</summary>
    private abstract class PendingStatement(NpgsqlBatchCommand command, int partition, string row)
    {
        public NpgsqlBatchCommand Command { get; set; } = command;

        public int Partition { get; } = partition;

        public string Row { get; } = row;

        /// <summary>Maps the current row; the value is given only once the batch has committed.</summary>
        public abstract object? Read(NpgsqlDataReader reader);

        /// <summary>Gives the value <see cref="Read"/> returned, or the no-row value for null.</summary>
        public abstract void Complete(object? value);

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingStatement<T>(NpgsqlBatchCommand command, int partition, string row, Func<NpgsqlDataReader, T> readRow, T noRow)
        : PendingStatement(command, partition, row)
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override object? Read(NpgsqlDataReader reader) => new Box(readRow(reader));

        public override void Complete(object? value) => Completion.TrySetResult(value is Box box ? box.Value : noRow);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        /// <summary>Tells a row whose value is null or default from no row at all.</summary>
        private sealed record Box(T Value);
    }
}
