using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Group commit across grains: single-row writes (grain state, reminders) that arrive while
/// earlier ones are in flight are sent together, as one <see cref="NpgsqlBatch"/> (one round
/// trip, one implicit transaction, one commit). Under load a silo has many activations writing
/// at once, and a round trip and a commit per write are most of the cost; a lone write is sent
/// at once, so light load pays nothing. Every provider over one data source shares one
/// batcher (<see cref="For"/>).
/// </summary>
/// <remarks>
/// Each statement is conditional (ETag and lease) and reports a mismatch as "no row", so one
/// grain's conflict never fails the others. A statement that raises an error rolls the whole
/// batch back (PostgreSQL answered, so nothing was committed); every write of that batch is
/// then run alone, so only the faulty one reports the error. Any other failure (the connection
/// broke) leaves the outcome unknown and is reported to every write of the batch, as it would
/// be to a lone write: the runtime reloads those activations from what is durable.
/// <para>
/// A batch takes row locks in one global order, (partition, row), and lease renewals and
/// takeovers lock lease rows in partition order too, so a batch holding one lease row
/// <c>FOR SHARE</c> never waits for a renewal that waits for it (a deadlock PostgreSQL would
/// only break after <c>deadlock_timeout</c>, stalling every write behind it).
/// </para>
/// </remarks>
internal sealed class WriteBatcher(NpgsqlDataSource dataSource)
{
    private static readonly ConditionalWeakTable<NpgsqlDataSource, WriteBatcher> s_batchers = [];

    /// <summary>
    /// Batches in flight at once: one commits while the next fills. More split the same queue
    /// into smaller transactions (measured on 2 cores: 2 gave more writes per second and a lower
    /// p99 than 4 or 8, in both the batch and the session benchmarks).
    /// </summary>
    internal const int MaxConcurrentBatches = 2;

    /// <summary>Statements per batch: bounds one transaction's size and lock footprint.</summary>
    internal const int MaxBatchSize = 64;

    private readonly ConcurrentQueue<PendingWrite> _queue = new();
    private int _flushers;
    private long _transactions;
    private long _statements;

    /// <summary>The batcher of <paramref name="dataSource"/>, shared by every provider that writes through it.</summary>
    public static WriteBatcher For(NpgsqlDataSource dataSource) => s_batchers.GetValue(dataSource, source => new WriteBatcher(source));

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
    public Task<long?> ExecuteAsync(NpgsqlBatchCommand command, int partition, string row)
    {
        var pending = new PendingWrite(command, partition, row, new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously));
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
        var batch = new List<PendingWrite>(MaxBatchSize);
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
                    // Whatever went wrong, no write is left waiting and the flusher goes on.
                    foreach (var write in batch)
                    {
                        write.Completion.TrySetException(exception);
                    }
                }
            }

            // A write enqueued after the last dequeue, while every flusher was busy, found no
            // free flusher: the flusher leaving now must not leave it behind.
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

    private async Task ExecuteBatchAsync(List<PendingWrite> writes)
    {
        try
        {
            var results = await RunAsync(writes);
            for (var i = 0; i < writes.Count; i++)
            {
                writes[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (PostgresException) when (writes.Count > 1)
        {
            foreach (var write in writes)
            {
                await ExecuteBatchAsync([write with { Command = Copy(write.Command) }]);
            }
        }
        catch (Exception exception)
        {
            foreach (var write in writes)
            {
                write.Completion.TrySetException(exception);
            }
        }
    }

    private async Task<long?[]> RunAsync(List<PendingWrite> writes)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var write in writes)
        {
            batch.BatchCommands.Add(write.Command);
        }

        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _statements, writes.Count);
        var results = new long?[writes.Count];
        await using var reader = await batch.ExecuteReaderAsync();
        for (var i = 0; i < writes.Count; i++)
        {
            results[i] = await reader.ReadAsync() ? reader.GetInt64(0) : null;
            await reader.NextResultAsync();
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

    private sealed record PendingWrite(NpgsqlBatchCommand Command, int Partition, string Row, TaskCompletionSource<long?> Completion);
}
