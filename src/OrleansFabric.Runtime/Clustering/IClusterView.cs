namespace OrleansFabric.Runtime.Clustering;

/// <summary>Reads the current membership and partition ownership.</summary>
public interface IClusterView
{
    /// <summary>A consistent snapshot of the cluster.</summary>
    ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken);
}
