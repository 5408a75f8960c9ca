using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansFabric.Sessions;

/// <summary>
/// Source-generated serialization of the session state and of its journal entries (one is
/// written on every accepted message and every turn): no reflection-built metadata on that
/// path. Same shape as the runtime's defaults.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionState))]
[JsonSerializable(typeof(List<SessionChange>))]
internal sealed partial class SessionsJsonContext : JsonSerializerContext;
