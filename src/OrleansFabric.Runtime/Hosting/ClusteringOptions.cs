namespace OrleansFabric.Runtime.Hosting;

/// <summary>Cluster settings (<c>Fabric:Clustering</c>).</summary>
public sealed class ClusteringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Clustering";

    /// <summary>The embedded single-silo provider.</summary>
    public const string InMemoryProvider = "InMemory";

    /// <summary>Which membership, lease, state and reminder provider to use. Default <c>InMemory</c>.</summary>
    public string Provider { get; set; } = InMemoryProvider;

    /// <summary>The number of partitions grains hash into; fixed for the life of a cluster. Default 256.</summary>
    public int PartitionCount { get; set; } = 256;
}
