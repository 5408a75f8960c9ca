namespace OrleansFabric.Silo.Api;

/// <summary>The body of a successful health check.</summary>
/// <param name="Status">live or ready.</param>
/// <param name="SiloId">This silo.</param>
public sealed record HealthResponse(string Status, string SiloId);
