namespace OrleansFabric.Sessions;

/// <summary>A user message from a gateway.</summary>
/// <param name="MessageId">The gateway's id; a repeated id is accepted once.</param>
/// <param name="Text">The text, at most 32 KiB.</param>
/// <param name="SentAt">When the user sent it, if the gateway knows.</param>
/// <param name="Metadata">Opaque gateway data, as JSON text.</param>
[GenerateSerializer]
[Alias("incoming-message")]
public sealed record IncomingMessage(string MessageId, string Text, DateTimeOffset? SentAt, string? Metadata);
