using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

/// <summary>
/// Leases, routing, hand-off and fencing across silos in one process on a manual clock.
/// The same behaviour over PostgreSQL with real processes, kill -9 and SIGSTOP is tested by
/// the multi-process cluster tests.
/// </summary>
public sealed class ClusterTests
{
    private readonly TestProbe _probe = new();

    private Task<InProcessCluster> StartAsync(int silos) =>
        InProcessCluster.StartAsync(silos, services =>
        {
            services.AddSingleton(_probe);
            services.AddGrain<ICounterGrain, CounterGrain>();
            services.AddGrain<IWorkerGrain, WorkerGrain>();
        });

    [Fact]
    public async Task Partitions_spread_to_fair_share_and_come_back_when_a_silo_leaves_gracefully()
    {
        await using var cluster = await StartAsync(3);

        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount >= 5), "16 partitions spread 6/5/5");
        Assert.Equal(16, cluster.Members.Sum(member => member.ServingCount));

        await cluster.Members[2].StopAsync();
        await cluster.StepAsync(cluster.LeaseTtl / 3);

        // Released at once on shutdown: taken in one lease interval, not after a TTL.
        Assert.Equal([8, 8], cluster.Members.Take(2).Select(member => member.ServingCount));
    }

    [Fact]
    public async Task Calls_through_any_silo_reach_the_one_activation_on_the_partition_owner()
    {
        await using var cluster = await StartAsync(3);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount >= 5), "balanced");

        for (var round = 1; round <= 3; round++)
        {
            var calls = new List<Task<int>>();
            for (var grain = 0; grain < 60; grain++)
            {
                var via = cluster.Members[(grain + round) % 3];
                calls.Add(via.GrainFactory.GetGrain<ICounterGrain>($"c{grain}").AddAsync(1));
            }

            Assert.All(await Task.WhenAll(calls), value => Assert.Equal(round, value));
        }

        Assert.Equal(60, cluster.Members.Sum(member => member.Activations));
        for (var grain = 0; grain < 60; grain++)
        {
            Assert.Equal(1, _probe.Count($"activate:c{grain}"));
        }
    }

    [Fact]
    public async Task A_cut_off_silo_stops_serving_before_its_lease_expires_and_its_late_write_is_fenced()
    {
        await using var cluster = await StartAsync(2);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount == 8), "balanced");
        var (paused, other) = (cluster.Members[0], cluster.Members[1]);
        var key = Enumerable.Range(0, 1000).Select(i => $"w{i}").First(k => paused.Serves(new GrainId(new GrainType("worker"), k)));
        var grainId = new GrainId(new GrainType("worker"), key);
        await paused.GrainFactory.GetGrain<IWorkerGrain>(key).WriteAsync("before");

        // A turn on the paused silo that will try to write after the pause.
        var late = paused.GrainFactory.GetGrain<IWorkerGrain>(key).WriteAfterGateAsync("resume", "stale");
        await _probe.Signal("waiting:resume").Task;
        paused.Connection.Cut = true;

        // Its serving window closes before the lease can expire in the database...
        cluster.Time.Advance(cluster.LeaseTtl - TimeSpan.FromMilliseconds(900));
        Assert.False(paused.Serves(grainId));
        Assert.Equal(8, other.ServingCount);

        // ...and after expiry the other silo takes the partition and serves the grain from storage.
        await cluster.SettleAsync(() => other.ServingCount == 16, "failover to the other silo");
        await other.GrainFactory.GetGrain<IWorkerGrain>(key).WriteAsync("new owner");

        // The paused silo comes back; its turn's write carries the old epoch and is rejected.
        paused.Connection.Cut = false;
        _probe.Gate("resume").SetResult();
        await Assert.ThrowsAsync<InconsistentStateException>(() => late);
        Assert.Equal(1, paused.Connection.FencedWrites);
        Assert.Equal("new owner", await ReadAsync(other, key));
    }

    [Fact]
    public async Task A_silent_silo_s_row_is_deleted_after_the_retention_and_the_silo_registers_again_when_it_returns()
    {
        await using var cluster = await StartAsync(2);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount == 8), "balanced");
        var (silent, other) = (cluster.Members[0], cluster.Members[1]);
        async Task<string[]> RowsAsync() => [.. (await cluster.Tables.ReadAllAsync(CancellationToken.None)).Select(member => member.SiloId).Order(StringComparer.Ordinal)];

        silent.Connection.Cut = true;
        await cluster.SettleAsync(() => other.ServingCount == 16, "failover to the other silo");

        // Long dead, but within the retention (60 minutes by default): still listed.
        await cluster.StepAsync(TimeSpan.FromMinutes(59));
        Assert.Equal(new[] { other.SiloId, silent.SiloId }.Order(StringComparer.Ordinal), await RowsAsync());

        // Past it: the live silo deletes the row in its next cycle, and only that row.
        await cluster.StepAsync(TimeSpan.FromMinutes(2));
        Assert.Equal([other.SiloId], await RowsAsync());

        // The silo was only cut off: back, it finds its row gone, registers again and takes its share.
        silent.Connection.Cut = false;
        await cluster.SettleAsync(() => silent.ServingCount == 8 && other.ServingCount == 8, "the silo back in the cluster");
        var rows = await cluster.Tables.ReadAllAsync(CancellationToken.None);
        Assert.Equal(silent.Endpoint, rows.Single(member => member.SiloId == silent.SiloId).Endpoint);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task A_call_for_a_partition_without_owner_waits_for_one_and_succeeds()
    {
        await using var cluster = await StartAsync(2);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount == 8), "balanced");
        var (lost, survivor) = (cluster.Members[0], cluster.Members[1]);
        var key = Enumerable.Range(0, 1000).Select(i => $"c{i}").First(k => lost.Serves(new GrainId(new GrainType("counter"), k)));
        lost.Connection.Cut = true;
        cluster.Transport.SetUnreachable(lost.Endpoint, true);

        var call = survivor.GrainFactory.GetGrain<ICounterGrain>(key).AddAsync(5);
        Assert.False(call.IsCompleted);
        await cluster.SettleAsync(() => call.IsCompleted, "the call to be served after failover");

        Assert.Equal(5, await call);
    }

    [Fact]
    public async Task A_reminder_fires_on_the_new_owner_after_its_silo_is_lost()
    {
        await using var cluster = await StartAsync(2);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount == 8), "balanced");
        var (lost, survivor) = (cluster.Members[0], cluster.Members[1]);
        var key = Enumerable.Range(0, 1000).Select(i => $"r{i}").First(k => lost.Serves(new GrainId(new GrainType("worker"), k)));
        await lost.GrainFactory.GetGrain<IWorkerGrain>(key).RemindAsync("wake", TimeSpan.FromSeconds(10), TimeSpan.Zero);
        lost.Connection.Cut = true;
        cluster.Transport.SetUnreachable(lost.Endpoint, true);

        await cluster.SettleAsync(() => survivor.ServingCount == 16, "failover");
        await cluster.SettleAsync(() => _probe.Count("reminder:wake") == 1, "the reminder to fire on the survivor");

        Assert.True(survivor.Activations >= 1);
    }

    private static async Task<string?> ReadAsync(ClusterMember via, string key)
    {
        var record = await via.Silo.Services.GetRequiredKeyedService<Persistence.IGrainStorage>(PersistentStateAttribute.DefaultStorage)
            .ReadAsync(new GrainId(new GrainType("worker"), key), "worker", default);
        return record is null ? null : System.Text.Json.JsonDocument.Parse(record.Payload).RootElement.GetProperty("value").GetString();
    }
}
