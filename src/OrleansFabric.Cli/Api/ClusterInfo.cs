namespace OrleansFabric.Cli.Api;

/// <summary><c>GET /v1/cluster</c>.</summary>
internal sealed record ClusterInfo(int PartitionCount, IReadOnlyList<ClusterSiloInfo> Silos, IReadOnlyList<ClusterPartitionInfo> Partitions);
