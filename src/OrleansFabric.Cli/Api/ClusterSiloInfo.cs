namespace OrleansFabric.Cli.Api;

/// <summary>One silo of <see cref="ClusterInfo"/>.</summary>
internal sealed record ClusterSiloInfo(string Id, string Endpoint, string Status, DateTimeOffset HeartbeatAt, int PartitionsOwned, int Activations)
{
    /// <summary>Joining or active: a silo that can take partitions.</summary>
    public bool TakesPartitions => Status is "joining" or "active";
}
