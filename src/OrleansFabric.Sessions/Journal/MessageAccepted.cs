namespace OrleansFabric.Sessions.Journal;

/// <summary>A session's journal entry: <paramref name="Message"/> was accepted and queued.</summary>
[GenerateSerializer]
[Alias("session-message-accepted")]
public sealed record MessageAccepted(PendingMessage Message);
