namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/cluster</c>.</summary>
public sealed record ClusterResponse(int PartitionCount, IReadOnlyList<ClusterSilo> Silos, IReadOnlyList<ClusterPartition> Partitions);

/// <summary>One silo in <see cref="ClusterResponse"/>.</summary>
public sealed record ClusterSilo(string Id, string Endpoint, string Status, DateTime HeartbeatAt, int PartitionsOwned, int Activations);

/// <summary>One partition in <see cref="ClusterResponse"/>.</summary>
public sealed record ClusterPartition(int Partition, string? Owner, long Epoch);
