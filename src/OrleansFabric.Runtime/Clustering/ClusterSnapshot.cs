using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>The cluster as one silo sees it: members and partition owners.</summary>
/// <param name="PartitionCount">The cluster's fixed number of partitions.</param>
/// <param name="Silos">Every known silo.</param>
/// <param name="Partitions">Every partition with its owner and lease epoch.</param>
public sealed record ClusterSnapshot(int PartitionCount, IReadOnlyList<SiloInfo> Silos, IReadOnlyList<PartitionInfo> Partitions);

/// <summary>One silo in a <see cref="ClusterSnapshot"/>.</summary>
/// <param name="Id">The silo id.</param>
/// <param name="Endpoint">Where other silos reach it.</param>
/// <param name="Status">Its status; a silo whose heartbeat is older than the lease TTL is reported dead.</param>
/// <param name="HeartbeatAt">Its last heartbeat.</param>
/// <param name="PartitionsOwned">How many partitions it holds.</param>
/// <param name="Activations">How many activations it hosts (known for this silo only; -1 for others until they report).</param>
public sealed record SiloInfo(string Id, string Endpoint, SiloStatus Status, DateTimeOffset HeartbeatAt, int PartitionsOwned, int Activations);

/// <summary>One partition in a <see cref="ClusterSnapshot"/>.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Owner">The owning silo id, or null while unowned.</param>
/// <param name="Epoch">The lease epoch, incremented at every change of owner.</param>
public sealed record PartitionInfo(int Partition, string? Owner, long Epoch);
