namespace OrleansFabric.Silo.Tests;

/// <summary>A request shaped like the API's: required ids, a number, optional fields with defaults.</summary>
public sealed record SampleRequest(string TenantId, int Count, string? Note = null, IReadOnlyList<string>? Tags = null);
