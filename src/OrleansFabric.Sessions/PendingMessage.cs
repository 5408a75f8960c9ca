namespace OrleansFabric.Sessions;

/// <summary>An accepted message waiting for its turn.</summary>
/// <param name="Message">The message.</param>
/// <param name="ReceivedAt">When the session accepted it.</param>
/// <param name="TraceParent">
/// The W3C <c>traceparent</c> of the call that delivered it (the message's HTTP request), so the
/// turn that answers it later continues that trace; null when the call carried none.
/// </param>
[GenerateSerializer]
[Alias("pending-message")]
public sealed record PendingMessage(IncomingMessage Message, DateTimeOffset ReceivedAt, string? TraceParent = null);
