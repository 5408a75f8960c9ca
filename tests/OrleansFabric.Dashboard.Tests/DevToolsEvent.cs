using System.Text.Json.Nodes;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>An event of the Chrome DevTools Protocol: its method, parameters and the session (tab) it belongs to.</summary>
internal sealed record DevToolsEvent(string Method, JsonObject Parameters, string? SessionId);
