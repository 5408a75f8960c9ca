namespace OrleansFabric.Cli.Api;

/// <summary>The 202 answer of <c>POST /v1/cluster/silos/{id}/drain</c>.</summary>
internal sealed record DrainAccepted(string SiloId, string Status);
