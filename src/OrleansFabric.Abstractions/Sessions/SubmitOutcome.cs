namespace OrleansFabric.Sessions;

/// <summary>What happened to a submitted message.</summary>
[GenerateSerializer]
[Alias("submit-outcome")]
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
