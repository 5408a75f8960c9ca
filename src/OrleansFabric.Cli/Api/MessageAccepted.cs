namespace OrleansFabric.Cli.Api;

/// <summary>The 202 answer of <c>POST /v1/messages</c>: <c>accepted</c> or <c>duplicate</c>.</summary>
internal sealed record MessageAccepted(string SessionKey, string MessageId, string Status, int QueueDepth);
