namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/cluster</c>.</summary>
/// <param name="PartitionCount">The cluster's fixed number of partitions.</param>
/// <param name="Silos">Every known silo.</param>
/// <param name="Partitions">Every partition with its owner and lease epoch.</param>
public sealed record ClusterResponse(int PartitionCount, IReadOnlyList<ClusterSilo> Silos, IReadOnlyList<ClusterPartition> Partitions);
