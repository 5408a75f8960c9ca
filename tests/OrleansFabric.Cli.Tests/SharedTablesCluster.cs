using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cli.Tests;

/// <summary>
/// Silos with the full HTTP API in this process that form one cluster over shared in-memory
/// tables and an in-process transport, on the real clock with a short lease TTL: the lease
/// manager, hand-off and routing run as in production, without PostgreSQL.
/// </summary>
internal sealed class SharedTablesCluster : IAsyncDisposable
{
    private const int LeaseTtlSeconds = 2;
    private readonly InMemoryClusterTables _tables = new(TimeProvider.System, 256);
    private readonly InMemoryGrainStorage _storage = new();
    private readonly InMemoryReminderTable _reminders = new();
    private readonly InProcessTransport _transport = new();
    private readonly List<CliSilo> _silos = [];

    public IReadOnlyList<CliSilo> Silos => _silos;

    public static async Task<SharedTablesCluster> StartAsync(int silos)
    {
        var cluster = new SharedTablesCluster();
        for (var index = 1; index <= silos; index++)
        {
            await cluster.AddSiloAsync(index);
        }

        return cluster;
    }

    private async Task AddSiloAsync(int index)
    {
        var port = index.ToString(CultureInfo.InvariantCulture);
        var connection = new ClusterConnection(_tables, _storage);
        var silo = await CliSilo.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IMembershipTable>(connection);
                builder.Services.AddSingleton<IPartitionLeaseTable>(connection);
                builder.Services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, connection);
                builder.Services.AddSingleton<IReminderTable>(_reminders);
                builder.Services.AddSingleton<ISiloTransport>(_transport);
            },
            $"--Fabric:Clustering:LeaseTtlSeconds={LeaseTtlSeconds}",
            $"--Fabric:Clustering:AdvertisedHost=silo-{port}",
            $"--Fabric:Clustering:SiloPort={port}");
        _transport.Register($"silo-{port}:{port}", silo.Services.GetRequiredService<ForwardedCalls>());
        _silos.Add(silo);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }
}
