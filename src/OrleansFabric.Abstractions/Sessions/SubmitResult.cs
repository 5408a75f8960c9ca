namespace OrleansFabric.Sessions;

/// <summary>The outcome of submitting a message.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="QueueDepth">Unprocessed messages in the session after this one.</param>
public sealed record SubmitResult(SubmitOutcome Outcome, int QueueDepth);

/// <summary>What happened to a submitted message.</summary>
public enum SubmitOutcome
{
    /// <summary>Stored durably; it will be answered (HTTP 202 accepted).</summary>
    Accepted,

    /// <summary>The same message id was accepted before; nothing changed (HTTP 202 duplicate).</summary>
    Duplicate,

    /// <summary>The session holds MaxPendingMessages unprocessed messages (HTTP 429 queue_full); not stored.</summary>
    QueueFull,

    /// <summary>Reject strategy and a turn is running (HTTP 409 session_busy); not stored.</summary>
    Busy,
}
