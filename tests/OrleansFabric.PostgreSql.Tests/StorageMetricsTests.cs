using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>
/// The batcher's instruments: how long each statement waited for a batch, how many statements
/// each batch carried and how long it took, by outcome. Each test uses a data source of its own,
/// so its batcher records into its own metrics, on a manual clock that moves only when told.
/// </summary>
public sealed class StorageMetricsTests(Database database) : IClassFixture<Database>, IDisposable
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");
    private static readonly TimeSpan s_held = TimeSpan.FromSeconds(2);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Every_statement_s_wait_and_its_batch_s_time_add_up_to_the_time_the_server_held_it()
    {
        await using var dataSource = PostgreSqlFabric.CreateDataSource(database.ConnectionString);
        using var recorded = new Recorded(_services.GetRequiredService<IMeterFactory>());
        using var metrics = new PostgreSqlMetrics(_services.GetRequiredService<IMeterFactory>(), _time);
        var storage = new PostgreSqlGrainStorage(dataSource, "silo-a", metrics);
        await database.SetLeaseAsync(6, "silo-a", 1, 60);
        var fence = new WriteFence(6, 1);

        List<Task<string>> writes;
        await using (var held = await HeldLock.OnLeaseAsync(dataSource, 6))
        {
            // The first batch waits in the server for the lease row, the rest wait for it.
            writes = [.. Enumerable.Range(0, 40).Select(_ => storage.WriteAsync(NewGrain(), "s", s_payload, null, fence, default))];
            await Eventually.PollAsync(async () => await database.LockWaitersAsync() > 0, "a batch to wait in the server for the lease row", TimeSpan.FromSeconds(30));
            _time.Advance(s_held);
            await held.CommitAsync();
        }

        await Task.WhenAll(writes);

        // Whether a statement waited in the queue or in the server, the clock moved 2 s while it
        // was held, once: its wait plus its batch's time is exactly that.
        Assert.Equal(40, recorded.Waits.Count);
        Assert.All(recorded.Waits, wait => Assert.True(wait == 0 || wait == s_held.TotalSeconds, $"waited {wait} s"));
        Assert.All(recorded.Batches, batch => Assert.Equal(PostgreSqlMetrics.Committed, batch.Outcome));
        Assert.Equal(storage.Transactions, recorded.Batches.Count);
        Assert.Equal(40, recorded.Batches.Sum(batch => batch.Statements));
        var heldInServer = recorded.Batches.Where(batch => batch.Seconds == s_held.TotalSeconds).Sum(batch => batch.Statements);
        var heldInQueue = recorded.Waits.Count(wait => wait == s_held.TotalSeconds);
        Assert.Equal(40, heldInServer + heldInQueue);
        Assert.InRange(heldInServer, 1, 40);
    }

    [Fact]
    public async Task A_batch_rolled_back_by_one_faulty_statement_is_counted_and_so_is_each_statement_run_again()
    {
        await using var dataSource = PostgreSqlFabric.CreateDataSource(database.ConnectionString);
        using var recorded = new Recorded(_services.GetRequiredService<IMeterFactory>());
        using var metrics = new PostgreSqlMetrics(_services.GetRequiredService<IMeterFactory>(), _time);
        var storage = new PostgreSqlGrainStorage(dataSource, "silo-a", metrics);
        await database.SetLeaseAsync(7, "silo-a", 1, 60);
        var fence = new WriteFence(7, 1);

        List<Task<string>> good;
        Task<string> faulty;
        await using (var held = await HeldLock.OnLeaseAsync(dataSource, 7))
        {
            good = [.. Enumerable.Range(0, 5).Select(_ => storage.WriteAsync(NewGrain(), "s", s_payload, null, fence, default))];

            // PostgreSQL refuses a NUL character in text: the server rolls its batch back.
            faulty = storage.WriteAsync(new GrainId(new GrainType("counter"), "nul\0" + Guid.NewGuid().ToString("N")), "s", s_payload, null, fence, default);
            good.AddRange(Enumerable.Range(0, 5).Select(_ => storage.WriteAsync(NewGrain(), "s", s_payload, null, fence, default)));
            await held.CommitAsync();
        }

        await Task.WhenAll(good);
        Assert.Equal("22021", (await Assert.ThrowsAsync<PostgresException>(() => faulty)).SqlState);

        // Each good write committed once, in its first batch or alone after a rollback; the
        // faulty one was rolled back alone exactly once; nothing failed without an answer.
        Assert.Equal(10, recorded.Batches.Where(batch => batch.Outcome == PostgreSqlMetrics.Committed).Sum(batch => batch.Statements));
        Assert.Single(recorded.Batches, batch => batch.Outcome == PostgreSqlMetrics.RolledBack && batch.Statements == 1);
        Assert.DoesNotContain(recorded.Batches, batch => batch.Outcome == PostgreSqlMetrics.Failed);
        Assert.Equal(11, recorded.Waits.Count);
        Assert.Equal(storage.Transactions, recorded.Batches.Count);
    }

    private static GrainId NewGrain() => new(new GrainType("counter"), Guid.NewGuid().ToString("N"));

    /// <summary>A batch as the instruments saw it.</summary>
    private sealed record Batch(int Statements, double Seconds, string Outcome);

    /// <summary>
    /// What the PostgreSQL meter of one meter factory records. A batch's two measurements
    /// (statements, then seconds) are made one after the other on the thread that ends it, so
    /// they are paired per thread, whatever other batches end meanwhile.
    /// </summary>
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ThreadLocal<int> _statements = new();

        public Recorded(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PostgreSqlMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => _statements.Value = value);
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "fabric_storage_queue_seconds")
                {
                    Waits.Add(value);
                    return;
                }

                Batches.Add(new Batch(_statements.Value, value, (string)tags[0].Value!));
            });
            _listener.Start();
        }

        public ConcurrentBag<double> Waits { get; } = [];

        public ConcurrentBag<Batch> Batches { get; } = [];

        public void Dispose()
        {
            _listener.Dispose();
            _statements.Dispose();
        }
    }
}
