using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using OrleansFabric.Client;

namespace OrleansFabric.Cluster.Tests;

/// <summary>A pipeline service's grain client (<see cref="FabricClientServiceCollectionExtensions.AddFabricClient"/>) joined to a test cluster.</summary>
internal sealed class GrainClients : IDisposable
{
    private readonly IHost _host;

    private GrainClients(IHost host) => _host = host;

    /// <summary>The client's grain factory.</summary>
    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts a client configured with the cluster's <c>Fabric:Clustering</c> keys.</summary>
    public static async Task<GrainClients> StartAsync(SiloCluster cluster)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fabric:Clustering:Provider"] = "Redis",
            ["Fabric:Clustering:ConnectionString"] = cluster.MembershipConnectionString,
            ["Fabric:Clustering:ClusterId"] = cluster.ClusterId,
            ["Fabric:Clustering:ServiceId"] = cluster.ClusterId,
        });
        builder.Services.AddFabricClient(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new GrainClients(host);
    }

    /// <summary>Which of <paramref name="keys"/> have an activation on the silo listening on <paramref name="siloPort"/>.</summary>
    public async Task<List<string>> ActiveOnAsync<TGrain>(int siloPort, IReadOnlyList<string> keys)
        where TGrain : IGrainWithStringKey
    {
        var management = Grains.GetGrain<IManagementGrain>(0);
        var silo = (await management.GetHosts(onlyActive: true)).Keys.Single(address => address.Endpoint.Port == siloPort);
        var active = (await management.GetDetailedGrainStatistics(hostsIds: [silo]))
            .Select(statistic => statistic.GrainId)
            .ToHashSet();
        return [.. keys.Where(key => active.Contains(Grains.GetGrain<TGrain>(key).GetGrainId()))];
    }

    /// <inheritdoc/>
    public void Dispose() => _host.Dispose();
}
