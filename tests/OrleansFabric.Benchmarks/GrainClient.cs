using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using OrleansFabric.Client;

namespace OrleansFabric.Benchmarks;

/// <summary>A pipeline service's grain client (<see cref="FabricClientServiceCollectionExtensions.AddFabricClient"/>), configured with <c>Fabric:Clustering</c> keys.</summary>
internal sealed class GrainClient : IDisposable
{
    private readonly IHost _host;

    private GrainClient(IHost host) => _host = host;

    /// <summary>The client's grain factory.</summary>
    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts a client for the embedded silo's gateway on 127.0.0.1 (Localhost provider).</summary>
    public static Task<GrainClient> LocalhostAsync(int gatewayPort) => StartAsync(new Dictionary<string, string?>
    {
        ["Fabric:Clustering:Provider"] = "Localhost",
        ["Fabric:Clustering:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>Starts a client with <paramref name="settings"/> (keys under <c>Fabric:Clustering</c>).</summary>
    public static async Task<GrainClient> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddFabricClient(builder.Configuration);
        var host = builder.Build();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(limit.Token);
        return new GrainClient(host);
    }

    /// <summary>Which of <paramref name="keys"/> have an activation on the silo whose silo port is <paramref name="siloPort"/> (Orleans' management grain).</summary>
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

    public void Dispose() => _host.Dispose();
}
