using System.Text.Json.Serialization;
using OrleansFabric.Silo.Dashboard;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Source-generated JSON metadata for the API's requests and responses: snake_case as API.md
/// requires; on input, non-nullable members refuse null and constructor parameters without a
/// default value are required (give optional request fields a default, e.g. <c>string? SentAt = null</c>).
/// Read request bodies with <see cref="JsonBody"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(DashboardResponse))]
[JsonSerializable(typeof(DrainResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(PostMessageResponse))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(IReadOnlyList<TurnResponse>))]
[JsonSerializable(typeof(RegisterBatchRequest))]
[JsonSerializable(typeof(BatchStatusResponse))]
[JsonSerializable(typeof(ProvisionContentRequest))]
[JsonSerializable(typeof(ProvisionContentResponse))]
[JsonSerializable(typeof(ValidationFailureRequest))]
[JsonSerializable(typeof(ValidationFailureResponse))]
[JsonSerializable(typeof(IReadOnlyList<BatchEventResponse>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
