namespace OrleansFabric.Cli.Api;

/// <summary>One silo of <see cref="ClusterInfo"/>; <see cref="Gateway"/> is absent when the silo takes no grain clients.</summary>
internal sealed record ClusterSiloInfo(
    string Id,
    string Address,
    string? Gateway,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    int Activations)
{
    /// <summary>Still a member that serves grains: joining or active.</summary>
    public bool IsLive => Status is "joining" or "active";
}
