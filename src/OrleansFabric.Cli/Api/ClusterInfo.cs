namespace OrleansFabric.Cli.Api;

/// <summary><c>GET /v1/cluster</c>: the silos of Orleans' membership.</summary>
internal sealed record ClusterInfo(string ClusterId, IReadOnlyList<ClusterSiloInfo> Silos);
