using Microsoft.Extensions.Options;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>The embedded default: one silo that owns every partition at epoch 1.</summary>
internal sealed class SingleSiloClusterView(SiloState silo, SiloRuntime runtime, IOptions<ClusteringOptions> options, TimeProvider time) : IClusterView
{
    public ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var count = options.Value.PartitionCount;
        var self = new SiloInfo(silo.SiloId, silo.Endpoint, silo.Status, time.GetUtcNow(), count, runtime.Catalog.Count);
        var partitions = new PartitionInfo[count];
        for (var i = 0; i < count; i++)
        {
            partitions[i] = new PartitionInfo(i, silo.SiloId, 1);
        }

        return ValueTask.FromResult(new ClusterSnapshot(count, [self], partitions));
    }
}
