using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.TestKit;

/// <summary>
/// Several silos in one process forming a real cluster — lease manager, router, fencing,
/// reminders — over in-memory tables and an in-process transport, all on one manual clock.
/// Tests move the clock to drive lease renewal, expiry and failover deterministically.
/// Real processes over PostgreSQL are in the multi-process test cluster.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly Action<IServiceCollection> _configure;
    private readonly List<ClusterMember> _members = [];
    private int _nextIndex;

    private InProcessCluster(Action<IServiceCollection> configure, int partitionCount, int leaseTtlSeconds)
    {
        _configure = configure;
        PartitionCount = partitionCount;
        LeaseTtl = TimeSpan.FromSeconds(leaseTtlSeconds);
        Tables = new InMemoryClusterTables(Time, partitionCount);
    }

    public ManualTimeProvider Time { get; } = new();

    public int PartitionCount { get; }

    public TimeSpan LeaseTtl { get; }

    public InMemoryClusterTables Tables { get; }

    public InMemoryGrainStorage Storage { get; } = new();

    public InMemoryReminderTable Reminders { get; } = new();

    public InProcessTransport Transport { get; } = new();

    public IReadOnlyList<ClusterMember> Members => _members;

    public static async Task<InProcessCluster> StartAsync(int silos, Action<IServiceCollection> configure, int partitionCount = 16, int leaseTtlSeconds = 6)
    {
        var cluster = new InProcessCluster(configure, partitionCount, leaseTtlSeconds);
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync();
        }

        return cluster;
    }

    /// <summary>Starts one more silo.</summary>
    public async Task<ClusterMember> AddSiloAsync()
    {
        var index = ++_nextIndex;
        var connection = new ClusterConnection(Tables, Storage);
        var settings = new Dictionary<string, string?>
        {
            ["Fabric:Clustering:PartitionCount"] = PartitionCount.ToString(CultureInfo.InvariantCulture),
            ["Fabric:Clustering:LeaseTtlSeconds"] = ((int)LeaseTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["Fabric:Clustering:AdvertisedHost"] = $"silo-{index}",
            ["Fabric:Clustering:SiloPort"] = index.ToString(CultureInfo.InvariantCulture),
            ["Fabric:Clustering:CallTimeoutSeconds"] = "30",
        };
        var silo = await TestSilo.StartAsync(
            services =>
            {
                services.AddSingleton<IMembershipTable>(connection);
                services.AddSingleton<IPartitionLeaseTable>(connection);
                services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, connection);
                services.AddSingleton<IReminderTable>(Reminders);
                services.AddSingleton<ISiloTransport>(Transport);
                _configure(services);
            },
            settings,
            Time);
        var member = new ClusterMember(silo, connection, $"silo-{index}:{index}");
        Transport.Register(member.Endpoint, silo.Services.GetRequiredService<ForwardedCalls>());
        _members.Add(member);
        return member;
    }

    /// <summary>
    /// Moves the clock one lease interval (TTL/3) at a time, letting every running silo finish
    /// the lease cycle it triggers, until <paramref name="condition"/> holds (at most
    /// <paramref name="maxSteps"/> steps, each allowed 200 ms of real time for the work it set
    /// off to finish).
    /// </summary>
    public async Task SettleAsync(Func<bool> condition, string what, int maxSteps = 30)
    {
        for (var step = 0; step < maxSteps; step++)
        {
            // Work a step set off (a retried call, a reminder tick) finishes on the thread pool.
            if (await Eventually.WithinAsync(condition, TimeSpan.FromMilliseconds(200)))
            {
                return;
            }

            await StepAsync(LeaseTtl / 3);
        }

        if (!condition())
        {
            throw new TimeoutException($"The cluster did not reach: {what}");
        }
    }

    /// <summary>Moves the clock and waits for every running, connected silo to finish the lease cycles it triggered.</summary>
    public async Task StepAsync(TimeSpan by)
    {
        var running = _members.Where(member => member.IsRunning && !member.Connection.Cut).ToList();
        var before = running.ToDictionary(member => member, member => member.Cycles);
        Time.Advance(by);
        await Eventually.TrueAsync(() => running.All(member => !member.IsRunning || member.Cycles > before[member]), "the lease cycles to run");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Connection.Cut = false;
            await member.Silo.DisposeAsync();
        }
    }
}
