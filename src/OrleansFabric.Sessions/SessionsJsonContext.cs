using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansFabric.Sessions;

/// <summary>
/// Source-generated serialization of the session state, written on every accepted message and
/// every turn: no reflection-built metadata on that path. Same shape as the runtime's defaults.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionState))]
internal sealed partial class SessionsJsonContext : JsonSerializerContext;
