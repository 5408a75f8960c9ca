namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/cluster</c>: the silos of Orleans' membership.</summary>
/// <param name="ClusterId">The cluster's id (<c>Fabric:Clustering:ClusterId</c>).</param>
/// <param name="Silos">Every silo in the membership table, dead ones until Orleans' defunct-silo clean-up removes them.</param>
public sealed record ClusterResponse(string ClusterId, IReadOnlyList<ClusterSilo> Silos);
