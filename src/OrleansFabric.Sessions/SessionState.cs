using OrleansFabric.Runtime;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>
/// The persisted state of one session. A turn's outcome (its record, the messages it
/// answered leaving the queue, the conversation history) is committed in one write.
/// </summary>
public sealed class SessionState
{
    /// <summary>Accepted messages not yet answered, in arrival order.</summary>
    public List<PendingMessage> Pending { get; set; } = [];

    /// <summary>The ids of the last 1,000 accepted messages, for duplicate detection.</summary>
    public List<string> RecentMessageIds { get; set; } = [];

    /// <summary>The last <c>TurnHistory</c> turns.</summary>
    public List<TurnRecord> Turns { get; set; } = [];

    /// <summary>Exchanges the brain sees as conversation history (bounded), stored as the brain gets them.</summary>
    public List<Exchange> History { get; set; } = [];

    public long NextSeq { get; set; } = 1;

    public long TurnsCompleted { get; set; }

    /// <summary>Completed turns the webhook has not acknowledged, committed with the turn (a transactional outbox).</summary>
    public WebhookOutboxState Outbox { get; set; } = new();
}

/// <summary>An accepted message waiting for its turn.</summary>
public sealed record PendingMessage(IncomingMessage Message, DateTimeOffset ReceivedAt);
