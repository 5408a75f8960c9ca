namespace OrleansFabric.Sessions;

/// <summary>An accepted message waiting for its turn.</summary>
/// <param name="Message">The message.</param>
/// <param name="ReceivedAt">When the session accepted it.</param>
[GenerateSerializer]
[Alias("pending-message")]
public sealed record PendingMessage(IncomingMessage Message, DateTimeOffset ReceivedAt);
