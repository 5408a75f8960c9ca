using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansFabric.Batches;

/// <summary>
/// Source-generated serialization of the batch state, written on every assignment: no
/// reflection-built metadata on that path. Same shape as the runtime's defaults (web, camelCase).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BatchState))]
[JsonSerializable(typeof(SlotAssignment))]
internal sealed partial class BatchesJsonContext : JsonSerializerContext;
