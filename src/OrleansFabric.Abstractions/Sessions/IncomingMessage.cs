namespace OrleansFabric.Sessions;

/// <summary>A user message from a gateway.</summary>
/// <param name="MessageId">The gateway's id; a repeated id is accepted once.</param>
/// <param name="Text">The text, at most 32 KiB.</param>
/// <param name="SentAt">When the user sent it, if the gateway knows.</param>
/// <param name="Metadata">Opaque gateway data, as JSON text.</param>
/// <param name="TraceParent">
/// The W3C traceparent of the request that brought it (the HTTP API sets it), which the turn,
/// the brain's calls and the webhook continue; without it the session takes the trace Orleans'
/// request context carries (a grain client's activity propagation).
/// </param>
[GenerateSerializer]
[Alias("incoming-message")]
public sealed record IncomingMessage(string MessageId, string Text, DateTimeOffset? SentAt, string? Metadata, string? TraceParent = null);
