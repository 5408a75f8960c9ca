namespace OrleansFabric.Silo.Api;

/// <summary><c>POST /v1/cluster/silos/{id}/drain</c> (202).</summary>
/// <param name="SiloId">The silo that drains.</param>
/// <param name="Status">Always <c>draining</c>: the silo deactivates its grains, leaves the cluster and exits.</param>
public sealed record DrainResponse(string SiloId, string Status);
