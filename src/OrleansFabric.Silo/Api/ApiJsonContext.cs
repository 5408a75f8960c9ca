using System.Text.Json.Serialization;

namespace OrleansFabric.Silo.Api;

/// <summary>Source-generated JSON metadata for the API's own types, in snake_case as API.md requires.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
