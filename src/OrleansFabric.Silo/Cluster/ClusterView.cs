using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Cluster;

/// <summary>The cluster as Orleans' membership and management grain see it.</summary>
internal sealed class ClusterView(IGrainFactory grains, IOptions<ClusterOptions> cluster, ILocalSiloDetails local)
{
    /// <summary>This silo's id.</summary>
    public string LocalSiloId => local.SiloAddress.ToParsableString();

    /// <summary>Every silo in the membership table with its activations.</summary>
    public async Task<ClusterResponse> GetAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(host => host.Status == SiloStatus.Active).Select(host => host.SiloAddress).ToArray();
        var activations = new Dictionary<SiloAddress, int>();
        if (active.Length > 0)
        {
            var statistics = await management.GetRuntimeStatistics(active);
            for (var i = 0; i < active.Length; i++)
            {
                activations[active[i]] = statistics[i].ActivationCount;
            }
        }

        return new ClusterResponse(
            cluster.Value.ClusterId,
            [.. hosts
                .OrderBy(host => host.SiloAddress.Endpoint.ToString(), StringComparer.Ordinal)
                .ThenBy(host => host.SiloAddress.Generation)
                .Select(host => new ClusterSilo(
                    host.SiloAddress.ToParsableString(),
                    host.SiloAddress.Endpoint.ToString(),
                    host.ProxyPort > 0 ? $"{host.SiloAddress.Endpoint.Address}:{host.ProxyPort}" : null,
                    StatusName(host.Status),
                    host.StartTime.ToUniversalTime(),
                    host.IAmAliveTime.ToUniversalTime(),
                    activations.GetValueOrDefault(host.SiloAddress)))]);
    }

    /// <summary>API.md's lower-case status names.</summary>
    internal static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.Created or SiloStatus.Joining => "joining",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "shutting_down",
        _ => "dead",
    };
}
