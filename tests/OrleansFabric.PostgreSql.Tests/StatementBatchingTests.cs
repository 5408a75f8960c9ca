using System.Text;
using Npgsql;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>
/// Writes of many grains that arrive while others are in flight share one transaction, and one
/// write's conflict or error never decides another's outcome. Each test holds the lease row of
/// its partition locked, so fenced writes wait in the server until the test lets them go: every
/// write is queued while the earlier batches are still in flight.
/// </summary>
public sealed class StatementBatchingTests(Database database) : IClassFixture<Database>
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");

    private static GrainId NewGrain(string prefix = "") => new(new GrainType("counter"), prefix + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Writes_queued_behind_writes_in_flight_share_transactions_and_all_commit()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(4, "silo-a", 1, 60);
        var grains = Enumerable.Range(0, 40).Select(_ => NewGrain()).ToList();

        var (etags, sent, transactions) = await RunBehindLockedLeaseAsync(storage, 4, () =>
            grains.Select(grain => storage.WriteAsync(grain, "s", s_payload, null, new WriteFence(4, 1), default)));

        // At most MaxConcurrentBatches were sent while the lock was held; the rest waited and
        // went out together, at most one batch per flusher.
        Assert.Equal(40, sent);
        Assert.InRange(transactions, 1, 2 * StatementBatcher.MaxConcurrentBatches);
        Assert.Equal(40, etags.Distinct().Count());
        for (var i = 0; i < grains.Count; i++)
        {
            Assert.Equal(etags[i], (await storage.ReadAsync(grains[i], "s", default))!.ETag);
        }
    }

    [Fact]
    public async Task Appends_queued_behind_appends_in_flight_share_transactions_like_writes()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(4, "silo-a", 1, 60);
        var fence = new WriteFence(4, 1);
        var grains = Enumerable.Range(0, 40).Select(_ => NewGrain()).ToList();
        var written = await Task.WhenAll(grains.Select(grain => storage.WriteAsync(grain, "s", s_payload, null, fence, default)));
        var entries = grains.Select((_, i) => Encoding.UTF8.GetBytes($"{{\"add\":{i}}}")).ToList();

        var (etags, sent, transactions) = await RunBehindLockedLeaseAsync(storage, 4, () =>
            grains.Select((grain, i) => storage.AppendAsync(grain, "s", entries[i], written[i], fence, default)));

        Assert.Equal(40, sent);
        Assert.InRange(transactions, 1, 2 * StatementBatcher.MaxConcurrentBatches);
        for (var i = 0; i < grains.Count; i++)
        {
            var record = await storage.ReadAsync(grains[i], "s", default);
            Assert.Equal(etags[i], record!.ETag);
            Assert.Equal(entries[i], Assert.Single(record.Journal).ToArray());
        }
    }

    [Fact]
    public async Task A_conflict_or_an_error_in_a_shared_transaction_fails_only_its_own_write()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(5, "silo-a", 1, 60);
        var fence = new WriteFence(5, 1);
        var existing = NewGrain();
        var stored = await storage.WriteAsync(existing, "s", s_payload, null, fence, default);
        var good = Enumerable.Range(0, 20).Select(_ => NewGrain()).ToList();
        var (sentBefore, transactionsBefore) = (storage.StatementsSent, storage.Transactions);

        Task<string> conflicting, faulty;
        List<Task<string>> writes;
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, 5))
        {
            writes = good.Take(10).Select(grain => storage.WriteAsync(grain, "s", s_payload, null, fence, default)).ToList();
            conflicting = storage.WriteAsync(existing, "s", s_payload, "1", fence, default);

            // PostgreSQL refuses a NUL character in text: a server error in the middle of a batch.
            faulty = storage.WriteAsync(NewGrain("nul\0"), "s", s_payload, null, fence, default);
            writes.AddRange(good.Skip(10).Select(grain => storage.WriteAsync(grain, "s", s_payload, null, fence, default)));
            await held.CommitAsync();
        }

        var etags = await Task.WhenAll(writes);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => conflicting);
        var error = await Assert.ThrowsAsync<PostgresException>(() => faulty);
        var (sent, transactions) = (storage.StatementsSent - sentBefore, storage.Transactions - transactionsBefore);
        Assert.True(transactions < sent, $"{transactions} transactions for {sent} statements");

        Assert.Equal(stored, conflict.StoredETag);
        Assert.Equal("22021", error.SqlState);
        Assert.Equal(stored, (await storage.ReadAsync(existing, "s", default))!.ETag);
        for (var i = 0; i < good.Count; i++)
        {
            var record = await storage.ReadAsync(good[i], "s", default);
            Assert.Equal(etags[i], record!.ETag);
            Assert.Equal(s_payload, record.Payload.ToArray());
        }


    }

    [Fact]
    public async Task Updates_and_appends_of_one_batch_are_one_command_and_each_row_keeps_its_own_outcome()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(1, "silo-a", 1, 60);
        await database.SetLeaseAsync(2, "silo-a", 1, 60);
        await database.SetLeaseAsync(3, "silo-b", 4, 60);
        var (first, second) = (new WriteFence(1, 1), new WriteFence(2, 1));
        var appended = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToList();
        var updated = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToList();
        var stale = NewGrain();
        var fenceOf = new Dictionary<GrainId, WriteFence>();
        var etags = new Dictionary<GrainId, string>();
        foreach (var (grain, i) in appended.Concat(updated).Append(stale).Select((grain, i) => (grain, i)))
        {
            fenceOf[grain] = i % 2 == 0 ? first : second;
            var created = await storage.WriteAsync(grain, "s", s_payload, null, fenceOf[grain], default);
            etags[grain] = await storage.AppendAsync(grain, "s", Encoding.UTF8.GetBytes("{\"old\":1}"), created, fenceOf[grain], default);
        }

        var inserted = Enumerable.Range(0, 4).Select(_ => NewGrain()).ToList();
        var (statementsBefore, commandsBefore, transactionsBefore) = (storage.StatementsSent, storage.CommandsSent, storage.Transactions);
        Task<string>[] appends, updates, inserts;
        Task<string> staleAppend, lostLease;
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, 1))
        {
            appends = [.. appended.Select(grain => storage.AppendAsync(grain, "s", Encoding.UTF8.GetBytes($"{{\"add\":\"{grain.Key}\"}}"), etags[grain], fenceOf[grain], default))];
            updates = [.. updated.Select(grain => storage.WriteAsync(grain, "s", Encoding.UTF8.GetBytes($"{{\"new\":\"{grain.Key}\"}}"), etags[grain], fenceOf[grain], default))];
            inserts = [.. inserted.Select(grain => storage.WriteAsync(grain, "s", s_payload, null, second, default))];
            staleAppend = storage.AppendAsync(stale, "s", s_payload, "1", fenceOf[stale], default);
            lostLease = storage.AppendAsync(updated[0], "s", s_payload, etags[updated[0]], new WriteFence(3, 4), default);
            Assert.All([.. appends, .. updates, .. inserts], write => Assert.False(write.IsCompleted));
            await held.CommitAsync();
        }

        var (appendETags, updateETags, insertETags) = (await Task.WhenAll(appends), await Task.WhenAll(updates), await Task.WhenAll(inserts));
        var staleConflict = await Assert.ThrowsAsync<InconsistentStateException>(() => staleAppend);
        var leaseConflict = await Assert.ThrowsAsync<InconsistentStateException>(() => lostLease);

        // 26 single-row statements; at most two batches went out while the lease was locked, and
        // the rest shared few batches of at most four commands (updates and appends, inserts, the
        // lease lock a batch of several lease-locking commands starts with, and reads).
        Assert.Equal(26, storage.StatementsSent - statementsBefore - 2); // the two conflict reports read the record
        var (commands, transactions) = (storage.CommandsSent - commandsBefore, storage.Transactions - transactionsBefore);
        Assert.True(commands <= 4 * transactions && transactions <= 2 * StatementBatcher.MaxConcurrentBatches + 2, $"{commands} commands in {transactions} transactions");

        Assert.Equal(etags[stale], staleConflict.StoredETag);
        Assert.Contains("held by 'silo-b' at epoch 4", leaseConflict.Message, StringComparison.Ordinal);
        for (var i = 0; i < appended.Count; i++)
        {
            var record = await storage.ReadAsync(appended[i], "s", default);
            Assert.Equal(appendETags[i], record!.ETag);
            Assert.Equal(s_payload, record.Payload.ToArray());
            Assert.Equal(["{\"old\":1}", $"{{\"add\":\"{appended[i].Key}\"}}"], record.Journal.Select(entry => Encoding.UTF8.GetString(entry.Span)));
        }

        for (var i = 0; i < updated.Count; i++)
        {
            var record = await storage.ReadAsync(updated[i], "s", default);
            Assert.Equal(updateETags[i], record!.ETag);
            Assert.Equal($"{{\"new\":\"{updated[i].Key}\"}}", Encoding.UTF8.GetString(record.Payload.Span));
            Assert.Empty(record.Journal);
        }

        Assert.Equal(etags[stale], (await storage.ReadAsync(stale, "s", default))!.ETag);
        for (var i = 0; i < inserted.Count; i++)
        {
            Assert.Equal(insertETags[i], (await storage.ReadAsync(inserted[i], "s", default))!.ETag);
        }
    }

    [Fact]
    public async Task A_server_error_in_a_shared_command_fails_only_its_own_change()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(2, "silo-a", 1, 60);
        var fence = new WriteFence(2, 1);
        var grains = Enumerable.Range(0, 12).Select(_ => NewGrain()).ToList();
        var written = await Task.WhenAll(grains.Select(grain => storage.WriteAsync(grain, "s", s_payload, null, fence, default)));

        Task<string>[] appends;
        Task<string> faulty;
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, 2))
        {
            appends = [.. grains.Take(6).Select((grain, i) => storage.AppendAsync(grain, "s", s_payload, written[i], fence, default))];

            // PostgreSQL refuses a NUL character in text: the whole command fails, then every
            // change of its batch is made alone.
            faulty = storage.AppendAsync(NewGrain("nul\0"), "s", s_payload, "1", fence, default);
            appends = [.. appends, .. grains.Skip(6).Select((grain, i) => storage.AppendAsync(grain, "s", s_payload, written[i + 6], fence, default))];
            await held.CommitAsync();
        }

        var etags = await Task.WhenAll(appends);
        Assert.Equal("22021", (await Assert.ThrowsAsync<PostgresException>(() => faulty)).SqlState);
        for (var i = 0; i < grains.Count; i++)
        {
            var record = await storage.ReadAsync(grains[i], "s", default);
            Assert.Equal(etags[i], record!.ETag);
            Assert.Equal(s_payload, Assert.Single(record.Journal).ToArray());
        }
    }

    [Fact]
    public async Task Every_write_of_a_storm_of_writers_completes_with_its_own_outcome()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(6, "silo-a", 1, 60);
        var fence = new WriteFence(6, 1);
        var grains = Enumerable.Range(0, 64).Select(_ => NewGrain()).ToList();
        var sentBefore = storage.StatementsSent;

        // 64 writers each update their own record 25 times, as activations do: a write starts
        // when the previous one is acknowledged, so the queue fills and drains continuously.
        var finalETags = await Task.WhenAll(grains.Select(grain => Task.Run(async () =>
        {
            string? etag = null;
            for (var version = 1; version <= 25; version++)
            {
                etag = await storage.WriteAsync(grain, "s", Encoding.UTF8.GetBytes($"{{\"v\":{version}}}"), etag, fence, default);
            }

            return etag!;
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(64 * 25, storage.StatementsSent - sentBefore);

        for (var i = 0; i < grains.Count; i++)
        {
            var stored = await storage.ReadAsync(grains[i], "s", default);
            Assert.Equal(finalETags[i], stored!.ETag);
            Assert.Equal("{\"v\":25}", Encoding.UTF8.GetString(stored.Payload.Span));
        }
    }

    [Fact]
    public async Task Reads_queued_behind_statements_in_flight_share_round_trips()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        await database.SetLeaseAsync(3, "silo-a", 1, 60);
        var stored = new Dictionary<GrainId, string>();
        foreach (var grain in Enumerable.Range(0, 30).Select(_ => NewGrain()))
        {
            stored[grain] = await storage.WriteAsync(grain, "s", s_payload, null, WriteFence.None, default);
        }

        var missing = NewGrain();
        var (sentBefore, transactionsBefore) = (storage.StatementsSent, storage.Transactions);
        Task<GrainStateRecord?>[] reads;
        Task<GrainStateRecord?> missingRead;
        List<Task<string>> blocked = [];
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, 3))
        {
            // Occupy every flusher with a fenced write that waits for the lease row.
            for (var i = 1; i <= StatementBatcher.MaxConcurrentBatches; i++)
            {
                blocked.Add(storage.WriteAsync(NewGrain(), "s", s_payload, null, new WriteFence(3, 1), default));
                var waiting = i;
                await Eventually.PollAsync(async () => await database.LockWaitersAsync() >= waiting, $"{waiting} writes waiting for the lease row", TimeSpan.FromSeconds(30));
            }

            reads = [.. stored.Keys.Select(grain => storage.ReadAsync(grain, "s", default))];
            missingRead = storage.ReadAsync(missing, "s", default);
            Assert.All(reads, read => Assert.False(read.IsCompleted));
            await held.CommitAsync();
        }

        await Task.WhenAll(blocked);
        var records = await Task.WhenAll(reads);

        Assert.Equal([.. stored.Values], records.Select(record => record!.ETag));
        Assert.All(records, record => Assert.Equal(s_payload, record!.Payload.ToArray()));
        Assert.Null(await missingRead);
        Assert.Equal(StatementBatcher.MaxConcurrentBatches + 31, storage.StatementsSent - sentBefore);
        Assert.InRange(storage.Transactions - transactionsBefore, 1, 2 * StatementBatcher.MaxConcurrentBatches);
    }

    [Fact]
    public async Task Reminder_registrations_share_transactions_with_state_writes()
    {
        var storage = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
        var reminders = new PostgreSqlReminderTable(database.DataSource);
        await database.SetLeaseAsync(7, "silo-a", 1, 60);
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var reminded = Enumerable.Range(0, 10).Select(_ => NewGrain()).ToList();
        foreach (var grain in reminded)
        {
            await reminders.UpsertAsync(new ReminderEntry(grain, "r", start, TimeSpan.FromMinutes(1), 7, string.Empty), default);
        }

        var (sentBefore, transactionsBefore) = (storage.StatementsSent, storage.Transactions);
        List<Task> writes;
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, 7))
        {
            // The same transaction holds the reminder rows, so their updates wait too.
            await using (var command = new NpgsqlCommand("select 1 from fabric_reminders where partition = 7 for update", held.Connection, held.Transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            writes = [.. reminded.Select(grain => (Task)reminders.UpsertAsync(new ReminderEntry(grain, "r", start.AddHours(1), TimeSpan.FromMinutes(1), 7, string.Empty), default))];
            writes.AddRange(Enumerable.Range(0, 20).Select(_ => (Task)storage.WriteAsync(NewGrain(), "s", s_payload, null, new WriteFence(7, 1), default)));
            await held.CommitAsync();
        }

        await Task.WhenAll(writes);

        var stored = await reminders.ReadPartitionsAsync([7], default);
        Assert.All(reminded, grain => Assert.Equal(start.AddHours(1), stored.Single(entry => entry.GrainId == grain).StartAt));
        Assert.Equal(30, storage.StatementsSent - sentBefore);
        Assert.InRange(storage.Transactions - transactionsBefore, 1, 2 * StatementBatcher.MaxConcurrentBatches);
    }

    [Fact]
    public async Task Batches_and_lease_renewals_over_many_partitions_never_deadlock()
    {
        // PostgreSQL breaks a deadlock after deadlock_timeout: at 60 s, one would stall this
        // test far past its 30 s bound instead of passing unnoticed after a 1 s hiccup.
        var settings = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c deadlock_timeout=60s" };
        await using var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        var storage = new PostgreSqlGrainStorage(dataSource, "silo-r");
        var leases = new PostgreSqlPartitionLeaseTable(dataSource);
        int[] partitions = [0, 1, 2, 3];
        foreach (var partition in partitions)
        {
            await database.SetLeaseAsync(partition, "silo-r", 1, 60);
        }

        // 64 writers over 4 partitions (each batch holds several lease rows FOR SHARE) while
        // the leases are renewed over and over (each renewal locks all four rows). Every fourth
        // update goes with the insert of a new record, so batches hold both the shared command
        // of updates and commands of their own, each locking lease rows.
        var writers = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            var grain = NewGrain();
            var fence = new WriteFence(partitions[i % partitions.Length], 1);
            string? etag = null;
            for (var version = 0; version < 40; version++)
            {
                var update = storage.WriteAsync(grain, "s", s_payload, etag, fence, default);
                if (version % 4 == 3)
                {
                    await storage.WriteAsync(NewGrain(), "s", s_payload, null, new WriteFence(partitions[(i + version) % partitions.Length], 1), default);
                }

                etag = await update;
            }
        })).ToList();
        var renewals = Task.Run(async () =>
        {
            for (var renewal = 0; renewal < 500 && writers.Any(writer => !writer.IsCompleted); renewal++)
            {
                Assert.Equal(4, (await leases.RenewAsync("silo-r", partitions, TimeSpan.FromMinutes(1), default)).Count);
            }
        });

        await Task.WhenAll([.. writers, renewals]).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Starts fenced statements while <paramref name="partition"/>'s lease row is locked (none may
    /// complete before it is released), then awaits them; with the statements and transactions
    /// <paramref name="storage"/> sent meanwhile.
    /// </summary>
    private async Task<(T[] Results, long Sent, long Transactions)> RunBehindLockedLeaseAsync<T>(PostgreSqlGrainStorage storage, int partition, Func<IEnumerable<Task<T>>> start)
    {
        var (sentBefore, transactionsBefore) = (storage.StatementsSent, storage.Transactions);
        List<Task<T>> statements;
        await using (var held = await HeldLock.OnLeaseAsync(database.DataSource, partition))
        {
            statements = [.. start()];
            Assert.All(statements, statement => Assert.False(statement.IsCompleted));
            await held.CommitAsync();
        }

        var results = await Task.WhenAll(statements);
        return (results, storage.StatementsSent - sentBefore, storage.Transactions - transactionsBefore);
    }
}
