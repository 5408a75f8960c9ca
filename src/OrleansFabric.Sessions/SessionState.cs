using System.Text.Json.Serialization;
using OrleansFabric.Runtime;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>
/// The persisted state of one session, journaled: accepting a message appends a
/// <see cref="SessionChange"/> holding that message, and a turn's outcome (its record, the
/// messages it answered leaving the queue, the conversation history, the webhook outbox) is one
/// change too, appended in one write. So a write costs the change, not the whole session (up
/// to 200 turns and 1,000 message ids), and the runtime folds the journal into a snapshot of
/// this class from time to time.
/// </summary>
public sealed class SessionState : IJournaled<SessionChange>
{
    /// <summary>How many accepted message ids a session remembers to detect duplicates.</summary>
    public const int RememberedMessageIds = 1000;

    /// <summary>Exchanges kept as the brain's conversation history.</summary>
    public const int HistoryExchanges = 20;

    private HashSet<string>? _recentIndex;

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

    /// <summary>True when <paramref name="messageId"/> is one of the last 1,000 accepted.</summary>
    public bool Remembers(string messageId) => RecentIndex.Contains(messageId);

    /// <inheritdoc/>
    public void Apply(SessionChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Accepted is { } accepted)
        {
            Pending.Add(accepted);
            Remember(accepted.Message.MessageId);
        }

        if (change.Turn is { } turn)
        {
            EndTurn(turn, change.Exchange, change.KeepTurns);
        }

        if (change.Outbox is { } outbox)
        {
            Outbox = outbox;
        }
    }

    private HashSet<string> RecentIndex => _recentIndex ??= new HashSet<string>(RecentMessageIds, StringComparer.Ordinal);

    private void Remember(string messageId)
    {
        RecentMessageIds.Add(messageId);
        RecentIndex.Add(messageId);
        if (RecentMessageIds.Count > RememberedMessageIds)
        {
            RecentIndex.Remove(RecentMessageIds[0]);
            RecentMessageIds.RemoveAt(0);
        }
    }

    /// <summary>
    /// A turn's outcome: its record; unless it was cancelled, its messages leave the queue (a
    /// cancelled turn's messages join the next turn); a completed turn adds its exchange.
    /// </summary>
    private void EndTurn(TurnRecord turn, Exchange? exchange, int keepTurns)
    {
        Turns.Add(turn);
        NextSeq = turn.Seq + 1;
        if (Turns.Count > keepTurns)
        {
            Turns.RemoveRange(0, Turns.Count - keepTurns);
        }

        if (turn.Status == TurnRecord.Cancelled)
        {
            return;
        }

        // A turn covers one message (queue) or the few that were pending: a scan beats a set.
        Pending.RemoveAll(pending => turn.MessageIds.Contains(pending.Message.MessageId, StringComparer.Ordinal));
        if (turn.Status != TurnRecord.Completed)
        {
            return;
        }

        TurnsCompleted++;
        if (exchange is not null)
        {
            History.Add(exchange);
            if (History.Count > HistoryExchanges)
            {
                History.RemoveRange(0, History.Count - HistoryExchanges);
            }
        }
    }
}

/// <summary>An accepted message waiting for its turn.</summary>
public sealed record PendingMessage(IncomingMessage Message, DateTimeOffset ReceivedAt);

/// <summary>
/// One change to a <see cref="SessionState"/>, as journaled: a message accepted, or a turn
/// ended (with its exchange for the history and the turns to keep), and the webhook outbox
/// as it is after the change when the change touched it.
/// </summary>
public sealed record SessionChange
{
    /// <summary>A message accepted into the queue.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PendingMessage? Accepted { get; init; }

    /// <summary>A turn that ended, in any status.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TurnRecord? Turn { get; init; }

    /// <summary>What a completed turn adds to the conversation history.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Exchange? Exchange { get; init; }

    /// <summary>With <see cref="Turn"/>: how many turns the session keeps (<c>Sessions:TurnHistory</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int KeepTurns { get; init; }

    /// <summary>The whole outbox after the change, when the change touched it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WebhookOutboxState? Outbox { get; init; }
}
