using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansFabric.Batches;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.Sessions;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// The fabric's journaled grain storage, on this process's memory and on a real PostgreSQL:
/// what is read back is what was written, a write appends what changed and no more, a stale
/// writer is refused and changes nothing, the journal is compacted, and PostgreSQL writes of
/// concurrent grains share round trips.
/// </summary>
public sealed class JournalGrainStorageTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Stores => ["memory", "postgresql"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_state_read_back_after_appends_is_the_state_that_was_written(string kind)
    {
        await using var harness = await Harness.CreateAsync(kind);
        var grain = GrainId.Create("session", "t1:a:i1:sms");
        var written = await harness.ReadAsync<SessionState>(grain);
        for (var turn = 1; turn <= 40; turn++)
        {
            Converse(written.State!, turn);
            await harness.Storage.WriteStateAsync("session", grain, written);
            if (turn % 3 == 0)
            {
                written.State!.ChangeOutbox(new OutboxAdded(new OutboxMessage($"k{turn}", turn, "{}")));
                written.State!.ChangeOutbox(new OutboxDelivered(turn, s_start.AddSeconds(turn)));
                await harness.Storage.WriteStateAsync("session", grain, written);
            }
        }

        var read = await harness.ReadAsync<SessionState>(grain);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(Json(written.State!), Json(read.State!));
        // The first write stores the whole state; every later one appends.
        Assert.Equal(1, harness.Metrics.Written("session", JournalMetrics.Snapshot).Writes);
        Assert.Equal(39 + 13, harness.Metrics.Written("session", JournalMetrics.Append).Writes);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_write_appends_the_same_bytes_whatever_the_state_remembers(string kind)
    {
        await using var harness = await Harness.CreateAsync(kind);
        var small = await harness.ReadAsync<SessionState>(GrainId.Create("session", "t1:a:small:sms"));
        var large = await harness.ReadAsync<SessionState>(GrainId.Create("session", "t1:a:large:sms"));
        for (var turn = 1; turn <= 1000; turn++)
        {
            if (turn <= 10)
            {
                Converse(small.State!, turn);
            }

            Converse(large.State!, turn);
        }

        await harness.Storage.WriteStateAsync("session", GrainId.Create("session", "t1:a:small:sms"), small);
        await harness.Storage.WriteStateAsync("session", GrainId.Create("session", "t1:a:large:sms"), large);

        var before = harness.Metrics.Written("session", JournalMetrics.Append).Bytes;
        Converse(small.State!, 11);
        await harness.Storage.WriteStateAsync("session", GrainId.Create("session", "t1:a:small:sms"), small);
        var smallBytes = harness.Metrics.Written("session", JournalMetrics.Append).Bytes - before;
        Converse(large.State!, 1001);
        await harness.Storage.WriteStateAsync("session", GrainId.Create("session", "t1:a:large:sms"), large);
        var largeBytes = harness.Metrics.Written("session", JournalMetrics.Append).Bytes - before - smallBytes;

        Assert.InRange(smallBytes, 100, 2000);
        Assert.InRange(largeBytes / (double)smallBytes, 0.9, 1.1);
        Assert.True(harness.Serializer.SerializeToArray(large.State!).Length > 50 * largeBytes, "the large state must dwarf one write");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_stale_writer_is_refused_and_changes_nothing(string kind)
    {
        await using var harness = await Harness.CreateAsync(kind);
        var grain = GrainId.Create("essaybatch", "b1");
        var first = await harness.ReadAsync<BatchState>(grain);
        first.State!.Register(new BatchDefinition(["e1", "e2"], 60, null), s_start);
        await harness.Storage.WriteStateAsync("batch", grain, first);

        // Two activations hold the same version; the first to write wins.
        var current = await harness.ReadAsync<BatchState>(grain);
        var stale = await harness.ReadAsync<BatchState>(grain);
        current.State!.Assign(new SlotAssignment("e1", "ts-1", null, s_start));
        await harness.Storage.WriteStateAsync("batch", grain, current);
        stale.State!.Assign(new SlotAssignment("e1", "ts-other", null, s_start));

        await Assert.ThrowsAsync<InconsistentStateException>(() => harness.Storage.WriteStateAsync("batch", grain, stale));

        var read = await harness.ReadAsync<BatchState>(grain);
        Assert.Equal("ts-1", Assert.Single(read.State!.Assignments).TextStorageId);
        Assert.Equal(current.ETag, read.ETag);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task The_journal_is_compacted_into_a_snapshot_and_stays_bounded(string kind)
    {
        await using var harness = await Harness.CreateAsync(kind);
        var grain = GrainId.Create("session", "t1:a:long:sms");
        var state = await harness.ReadAsync<SessionState>(grain);
        for (var turn = 1; turn <= 600; turn++)
        {
            Converse(state.State!, turn);
            await harness.Storage.WriteStateAsync("session", grain, state);
        }

        var stored = await harness.Store.ReadAsync(Harness.Key("session", grain));

        Assert.NotNull(stored?.Snapshot);
        Assert.True(harness.Metrics.Written("session", JournalMetrics.Snapshot).Writes >= 2, "the journal was never compacted");
        Assert.True(
            stored.Entries.Sum(entry => (long)entry.Length) <= JournalGrainStorage.CompactionFactor * Math.Max(stored.Snapshot.Length, JournalGrainStorage.MinimumSnapshotBytes),
            "the entries after the snapshot outgrew the bound");
        var read = await harness.ReadAsync<SessionState>(grain);
        Assert.Equal(Json(state.State!), Json(read.State!));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_cleared_state_reads_as_new_and_its_old_writers_are_refused(string kind)
    {
        await using var harness = await Harness.CreateAsync(kind);
        var grain = GrainId.Create("session", "t1:a:gone:sms");
        var state = await harness.ReadAsync<SessionState>(grain);
        Converse(state.State!, 1);
        await harness.Storage.WriteStateAsync("session", grain, state);
        var old = await harness.ReadAsync<SessionState>(grain);

        await harness.Storage.ClearStateAsync("session", grain, state);
        Converse(old.State!, 2);

        await Assert.ThrowsAsync<InconsistentStateException>(() => harness.Storage.WriteStateAsync("session", grain, old));
        var read = await harness.ReadAsync<SessionState>(grain);
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!.Turns);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Concurrent_writes_of_many_grains_share_postgresql_round_trips()
    {
        await using var harness = await Harness.CreateAsync("postgresql");
        var grains = Enumerable.Range(0, 200).Select(i => GrainId.Create("session", $"t1:a:i{i}:sms")).ToList();
        var states = await Task.WhenAll(grains.Select(harness.ReadAsync<SessionState>));
        await Task.WhenAll(grains.Select((grain, i) => harness.Storage.WriteStateAsync("session", grain, states[i])));
        var roundTrips = ((PostgreSqlJournalStore)harness.Store).RoundTrips;

        for (var i = 0; i < states.Length; i++)
        {
            Converse(states[i].State!, 1);
        }

        await Task.WhenAll(grains.Select((grain, i) => harness.Storage.WriteStateAsync("session", grain, states[i])));

        Assert.True(((PostgreSqlJournalStore)harness.Store).RoundTrips - roundTrips < 100, "200 concurrent appends did not share round trips");
        var reads = await Task.WhenAll(grains.Select(harness.ReadAsync<SessionState>));
        Assert.All(reads, read => Assert.Equal("m1", Assert.Single(read.State!.Turns).MessageIds.Single()));
    }

    /// <summary>Everything a state holds, as JSON, to compare two states by content.</summary>
    private static string Json(object state) => JsonSerializer.Serialize(state);

    /// <summary>One accepted message and its completed turn, as the session grain makes them.</summary>
    private static void Converse(SessionState state, int turn)
    {
        var id = $"m{turn}";
        var at = s_start.AddSeconds(turn);
        state.Accept(new PendingMessage(new IncomingMessage(id, $"question number {turn}", at, null), at));
        state.EndTurn(
            new TurnRecord($"{turn:x32}", state.NextSeq, TurnRecord.Completed, [id], $"answer number {turn}", null, at, at.AddMilliseconds(5)),
            new Exchange([$"question number {turn}"], $"answer number {turn}"),
            200,
            []);
    }

    private sealed class Harness : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        private Harness(ServiceProvider services, IJournalStore store)
        {
            _services = services;
            Store = store;
            Serializer = services.GetRequiredService<Serializer>();
            Metrics = new JournalMetrics(services.GetRequiredService<IMeterFactory>());
            Storage = new JournalGrainStorage("test-service", store, Serializer, Metrics);
        }

        public IJournalStore Store { get; }

        public Serializer Serializer { get; }

        public JournalMetrics Metrics { get; }

        public JournalGrainStorage Storage { get; }

        public static async Task<Harness> CreateAsync(string kind)
        {
            var services = new ServiceCollection()
                .AddMetrics()
                .AddSerializer(serializer => serializer
                    .AddAssembly(typeof(JournaledState).Assembly)
                    .AddAssembly(typeof(SessionState).Assembly)
                    .AddAssembly(typeof(BatchState).Assembly)
                    .AddAssembly(typeof(IncomingMessage).Assembly))
                .BuildServiceProvider();
            if (kind == "memory")
            {
                return new Harness(services, new MemoryJournalStore());
            }

            var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("journal");
            await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.Journal, CancellationToken.None);
            return new Harness(services, new PostgreSqlJournalStore(database));
        }

        public static string Key(string stateName, GrainId grain) => $"test-service/{stateName}/{grain}";

        public async Task<GrainState<T>> ReadAsync<T>(GrainId grain)
            where T : new()
        {
            var state = new GrainState<T>(new T());
            await Storage.ReadStateAsync(typeof(T) == typeof(SessionState) ? "session" : "batch", grain, state);
            return state;
        }

        public async ValueTask DisposeAsync()
        {
            if (Store is PostgreSqlJournalStore postgres)
            {
                await postgres.DisposeAsync();
            }

            Metrics.Dispose();
            await _services.DisposeAsync();
        }
    }
}
