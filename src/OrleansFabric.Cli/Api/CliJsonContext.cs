using System.Text.Json.Serialization;
using OrleansFabric.Cli.Load;

namespace OrleansFabric.Cli.Api;

/// <summary>Source-generated JSON for the API's snake_case documents and the load summary.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(IReadOnlyList<TurnInfo>))]
[JsonSerializable(typeof(BatchInfo))]
[JsonSerializable(typeof(IReadOnlyList<BatchEventInfo>))]
[JsonSerializable(typeof(ProblemInfo))]
[JsonSerializable(typeof(MessageRequest))]
[JsonSerializable(typeof(MessageAccepted))]
[JsonSerializable(typeof(BatchRegistration))]
[JsonSerializable(typeof(ContentRequest))]
[JsonSerializable(typeof(ContentAssignment))]
[JsonSerializable(typeof(DrainAccepted))]
[JsonSerializable(typeof(LoadSummary))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
