namespace OrleansFabric.Cli.Api;

/// <summary>One partition of <see cref="ClusterInfo"/>: its owner (none while free) and lease epoch.</summary>
internal sealed record ClusterPartitionInfo(int Partition, string? Owner, long Epoch);
