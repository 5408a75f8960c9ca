using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

/// <summary>An operator's drain: the silo hands its partitions to the live silos and keeps routing calls.</summary>
public sealed class DrainTests
{
    private readonly TestProbe _probe = new();

    private Task<InProcessCluster> StartAsync(int silos) =>
        InProcessCluster.StartAsync(silos, services =>
        {
            services.AddSingleton(_probe);
            services.AddGrain<ICounterGrain, CounterGrain>();
        });

    private static void RequestDrain(ClusterMember member) =>
        member.Silo.Services.GetRequiredService<SiloState>().RequestDrain();

    [Fact]
    public async Task A_drained_silo_hands_every_partition_to_the_others_and_still_routes_calls()
    {
        await using var cluster = await StartAsync(3);
        await cluster.SettleAsync(() => cluster.Members.All(member => member.ServingCount >= 5), "16 partitions spread 6/5/5");
        var drained = cluster.Members[0];

        RequestDrain(drained);
        await cluster.SettleAsync(
            () => drained.ServingCount == 0 && cluster.Members.Skip(1).Sum(member => member.ServingCount) == 16,
            "the others serve all 16 partitions");

        var row = (await cluster.Tables.ReadAllAsync(CancellationToken.None)).Single(member => member.SiloId == drained.SiloId);
        Assert.Equal(SiloStatus.ShuttingDown, row.Status);
        Assert.Equal([8, 8], cluster.Members.Skip(1).Select(member => member.ServingCount));
        for (var grain = 0; grain < 20; grain++)
        {
            Assert.Equal(1, await drained.GrainFactory.GetGrain<ICounterGrain>($"d{grain}").AddAsync(1));
        }

        Assert.Equal(0, drained.Activations);
    }

    [Fact]
    public async Task A_lone_silo_asked_to_drain_keeps_its_partitions_until_another_silo_joins()
    {
        await using var cluster = await StartAsync(1);
        var lone = cluster.Members[0];
        await cluster.SettleAsync(() => lone.ServingCount == 16, "the silo serves all 16 partitions");

        RequestDrain(lone);
        for (var cycle = 0; cycle < 3; cycle++)
        {
            await cluster.StepAsync(cluster.LeaseTtl / 3);
        }

        Assert.Equal(16, lone.ServingCount);
        var joined = await cluster.AddSiloAsync();
        await cluster.SettleAsync(() => lone.ServingCount == 0 && joined.ServingCount == 16, "the new silo serves all 16 partitions");
    }
}
