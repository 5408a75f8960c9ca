namespace OrleansFabric.Silo.Api;

/// <summary>One partition in <see cref="ClusterResponse"/>.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Owner">The owning silo id, or null while unowned.</param>
/// <param name="Epoch">The lease epoch.</param>
public sealed record ClusterPartition(int Partition, string? Owner, long Epoch);
