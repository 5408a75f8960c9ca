using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.TestKit;

/// <summary>One silo of an <see cref="InProcessCluster"/>.</summary>
public sealed class ClusterMember(TestSilo silo, ClusterConnection connection, string endpoint)
{
    private bool _stopped;

    public TestSilo Silo { get; } = silo;

    public ClusterConnection Connection { get; } = connection;

    public string Endpoint { get; } = endpoint;

    public string SiloId => Silo.Services.GetRequiredService<SiloState>().SiloId;

    public IGrainFactory GrainFactory => Silo.GrainFactory;

    public bool IsRunning => !_stopped;

    internal int Cycles => Leases.Cycles;

    /// <summary>The partitions this silo serves now.</summary>
    public int ServingCount => Leases.ServingCount;

    /// <summary>The number of activations on this silo.</summary>
    public int Activations => Silo.Services.GetRequiredService<SiloRuntime>().Catalog.Count;

    internal PartitionLeaseManager Leases => (PartitionLeaseManager)Silo.Services.GetRequiredService<SiloRuntime>().Ownership;

    /// <summary>True if this silo serves <paramref name="grainId"/>'s partition now.</summary>
    public bool Serves(GrainId grainId) => Leases.IsServing(grainId.Partition(Leases.PartitionCount));

    /// <summary>Stops the silo gracefully (SIGTERM).</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await Silo.StopAsync();
    }
}
