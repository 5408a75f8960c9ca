using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Invocation;
using OrleansFabric.TestKit;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Tests.Grains;

namespace OrleansFabric.Runtime.Tests;

public sealed class PersistenceTests
{
    private static readonly GrainId s_grain = new(new GrainType("counter"), "x");
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{}");

    private readonly TestProbe _probe = new();

    [Fact]
    public async Task A_write_with_a_stale_etag_fails_drops_the_activation_and_the_next_call_reloads()
    {
        var storage = new InMemoryGrainStorage();
        await using var first = await Silos.StartAsync(_probe, storage);
        await using var second = await Silos.StartAsync(new TestProbe(), storage);
        var onFirst = first.GrainFactory.GetGrain<ICounterGrain>("shared");
        var onSecond = second.GrainFactory.GetGrain<ICounterGrain>("shared");
        Assert.Equal(1, await onFirst.AddAsync(1));

        // Another activation of the same grain commits; the first one's ETag is now stale.
        Assert.Equal(11, await onSecond.AddAsync(10));
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => onFirst.AddAsync(100));

        Assert.Equal("1", conflict.ExpectedETag);
        await _probe.Signal("activate:shared").Task;
        Assert.Equal(12, await onFirst.AddAsync(1));
        Assert.Equal(2, _probe.Count("activate:shared"));
        Assert.Equal(0, _probe.Count("deactivate:shared:StateConflict"));
    }

    [Fact]
    public async Task State_and_its_etag_survive_deactivation()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("kept");
        await grain.AddAsync(7);
        var etag = await grain.GetETagAsync();

        await grain.DeactivateAsync();
        await _probe.Signal("deactivate:kept:Requested").Task;

        Assert.Equal(etag, await grain.GetETagAsync());
        Assert.Equal(7, await grain.GetAsync());
        Assert.Equal(2, _probe.Count("activate:kept"));
    }

    [Fact]
    public async Task Group_commit_coalesces_the_writes_that_arrive_while_one_is_in_flight()
    {
        var storage = new GatedGrainStorage(new());
        await using var silo = await Silos.StartAsync(_probe, storage);
        var grain = silo.GrainFactory.GetGrain<IBatchingCounterGrain>("g");
        await grain.AddAsync(0);
        var writesBefore = storage.Writes;
        storage.Close();
        var arrived = storage.WriteArrived.Task;

        var first = grain.AddAsync(1);
        await arrived;
        var rest = Enumerable.Range(0, 10).Select(_ => grain.AddAsync(1)).ToArray();
        var secondArrived = storage.WriteArrived.Task;
        await WaitForTurnsAwaitingCommitAsync(silo, grain, 11);
        Assert.False(first.IsCompleted);
        storage.Open();

        Assert.Equal(1, await first);
        Assert.Equal(Enumerable.Range(2, 10), (await Task.WhenAll(rest)).Order());
        await secondArrived;
        Assert.Equal(writesBefore + 2, storage.Writes);
        Assert.Equal(11, await grain.GetAsync());
    }

    [Fact]
    public async Task Without_group_commit_a_turn_holds_the_mailbox_until_its_write_is_durable()
    {
        var storage = new GatedGrainStorage(new());
        await using var silo = await Silos.StartAsync(_probe, storage);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("c");
        await grain.AddAsync(0);
        var writesBefore = storage.Writes;
        storage.Close();
        var arrived = storage.WriteArrived.Task;

        var first = grain.AddAsync(1);
        await arrived;
        var second = grain.AddAsync(1);
        Assert.Equal(writesBefore + 1, storage.Writes);
        storage.Open();

        Assert.Equal(1, await first);
        Assert.Equal(2, await second);
        Assert.Equal(writesBefore + 2, storage.Writes);
    }

    internal static Task WaitForTurnsAwaitingCommitAsync(TestKit.TestSilo silo, IGrain grain, int count)
    {
        var catalog = silo.Services.GetRequiredService<SiloRuntime>().Catalog;
        var grainId = ((GrainReference)(object)grain).GrainId;
        return Eventually.TrueAsync(
            () => catalog.TryGet(grainId, out var activation) && activation.TurnsAwaitingCommit == count,
            $"{count} turns to wait for the held write");
    }

    [Fact]
    public async Task In_memory_storage_inserts_only_when_no_record_exists()
    {
        var storage = new InMemoryGrainStorage();
        var etag = await storage.WriteAsync(s_grain, "s", s_payload, null, WriteFence.None, default);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(s_grain, "s", s_payload, null, WriteFence.None, default));

        Assert.Equal(etag, conflict.StoredETag);
    }

    [Fact]
    public async Task In_memory_storage_updates_only_with_the_stored_etag()
    {
        var storage = new InMemoryGrainStorage();
        var first = await storage.WriteAsync(s_grain, "s", s_payload, null, WriteFence.None, default);
        var second = await storage.WriteAsync(s_grain, "s", Encoding.UTF8.GetBytes("{\"v\":2}"), first, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(s_grain, "s", s_payload, first, WriteFence.None, default));

        var stored = await storage.ReadAsync(s_grain, "s", default);
        Assert.Equal(second, stored!.ETag);
        Assert.Equal("{\"v\":2}", Encoding.UTF8.GetString(stored.Payload.Span));
    }

    [Fact]
    public async Task In_memory_storage_clears_only_with_the_stored_etag()
    {
        var storage = new InMemoryGrainStorage();
        var etag = await storage.WriteAsync(s_grain, "s", s_payload, null, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(s_grain, "s", "stale", WriteFence.None, default));
        Assert.NotNull(await storage.ReadAsync(s_grain, "s", default));
        await storage.ClearAsync(s_grain, "s", etag, WriteFence.None, default);

        Assert.Null(await storage.ReadAsync(s_grain, "s", default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(s_grain, "s", s_payload, etag, WriteFence.None, default));
    }
}
