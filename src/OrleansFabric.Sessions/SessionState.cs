using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.Sessions.Journal;

namespace OrleansFabric.Sessions;

/// <summary>
/// The persisted state of one session: the queue of accepted messages, the ids remembered for
/// duplicate detection, the last turns, the brain's bounded history and the webhook outbox.
/// Accepting a message and ending a turn are each one write of this state; every change is a
/// journal entry (<see cref="MessageAccepted"/>, <see cref="TurnEnded"/>, <see cref="EffectRecorded"/>, an <see cref="OutboxChange"/>),
/// so with the fabric's storage a write appends the entry alone, whatever the session remembers.
/// </summary>
[GenerateSerializer]
[Alias("session-state")]
public sealed class SessionState : JournaledState
{
    /// <summary>How many accepted message ids a session remembers to detect duplicates.</summary>
    public const int RememberedMessageIds = 1000;

    /// <summary>Exchanges kept as the brain's conversation history.</summary>
    public const int HistoryExchanges = 20;

    /// <summary>Up to this many remembered ids, a duplicate check scans them; beyond, it asks <see cref="RecentIndex"/>.</summary>
    private const int ScannedMessageIds = 16;

    /// <summary>
    /// The remembered ids as a set, built by the first duplicate check that has more than
    /// <see cref="ScannedMessageIds"/> ids to look through, then kept in step with them. Most
    /// sessions never have that many: they keep the list alone.
    /// </summary>
    [NonSerialized]
    private HashSet<string>? _recentIndex;

    /// <summary>Accepted messages not yet answered, in arrival order.</summary>
    [Id(0)]
    public List<PendingMessage> Pending { get; set; } = [];

    /// <summary>The ids of the last 1,000 accepted messages, for duplicate detection.</summary>
    [Id(1)]
    public List<string> RecentMessageIds { get; set; } = [];

    /// <summary>The last <c>TurnHistory</c> turns.</summary>
    [Id(2)]
    public List<TurnRecord> Turns { get; set; } = [];

    /// <summary>Exchanges the brain sees as conversation history (bounded), stored as the brain gets them.</summary>
    [Id(3)]
    public List<Exchange> History { get; set; } = [];

    /// <summary>The seq the next turn gets.</summary>
    [Id(4)]
    public long NextSeq { get; set; } = 1;

    /// <summary>Turns completed so far.</summary>
    [Id(5)]
    public long TurnsCompleted { get; set; }

    /// <summary>Completed turns the webhook has not acknowledged, committed with the turn (a transactional outbox).</summary>
    [Id(6)]
    public WebhookOutboxState Outbox { get; set; } = new();

    /// <summary>
    /// Effects not yet answered by a completed turn: those of cancelled or failed turns, and of a
    /// running (or interrupted) turn, each kept from the moment its section ended. The next
    /// turn's brain receives them, so what already happened is not done again.
    /// </summary>
    [Id(7)]
    public List<string> CarriedEffects { get; set; } = [];

    private HashSet<string> RecentIndex => _recentIndex ??= new HashSet<string>(RecentMessageIds, StringComparer.Ordinal);

    /// <summary>True when <paramref name="messageId"/> is one of the last 1,000 accepted.</summary>
    public bool Remembers(string messageId) =>
        _recentIndex is null && RecentMessageIds.Count <= ScannedMessageIds
            ? RecentMessageIds.Contains(messageId) // string equality is ordinal
            : RecentIndex.Contains(messageId);

    /// <summary>Queues an accepted message and remembers its id.</summary>
    public void Accept(PendingMessage accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        Record(new MessageAccepted(accepted));
    }

    /// <summary>
    /// A turn's outcome: its record; unless it was cancelled, its messages leave the queue (a
    /// cancelled turn's messages join the next turn); a completed turn adds its exchange.
    /// </summary>
    /// <param name="turn">The turn's record.</param>
    /// <param name="exchange">What the brain's history gains (a completed turn).</param>
    /// <param name="keepTurns">How many turn records the session keeps.</param>
    /// <param name="unrecorded">The turn's effects not journaled when they happened (<see cref="RecordEffect"/>).</param>
    public void EndTurn(TurnRecord turn, Exchange? exchange, int keepTurns, IReadOnlyList<string> unrecorded)
    {
        ArgumentNullException.ThrowIfNull(turn);
        Record(new TurnEnded(turn, exchange, keepTurns, EffectsRecorded: true, unrecorded.Count > 0 ? unrecorded : null));
    }

    /// <summary>A non-cancellable section of turn <paramref name="turnId"/> ended with <paramref name="effect"/>: it is carried until a turn completes.</summary>
    public void RecordEffect(string turnId, string effect) => Record(new EffectRecorded(turnId, effect));

    /// <summary>Changes the webhook outbox.</summary>
    public void ChangeOutbox(OutboxChange change) => Record(change);

    /// <inheritdoc/>
    protected override void Apply(object entry)
    {
        switch (entry)
        {
            case MessageAccepted accepted:
                Queue(accepted.Message);
                break;
            case TurnEnded ended:
                End(ended.Turn, ended.Exchange, ended.KeepTurns, ended.EffectsRecorded ? ended.Unrecorded : ended.Turn.Effects);
                break;
            case EffectRecorded recorded:
                CarriedEffects.Add(recorded.Effect);
                break;
            case OutboxChange change:
                Outbox.Apply(change);
                break;
            default:
                throw new InvalidOperationException($"A session state cannot apply {entry}.");
        }
    }

    private void Queue(PendingMessage accepted)
    {
        Pending.Add(accepted);
        RecentMessageIds.Add(accepted.Message.MessageId);
        _recentIndex?.Add(accepted.Message.MessageId);
        if (RecentMessageIds.Count > RememberedMessageIds)
        {
            _recentIndex?.Remove(RecentMessageIds[0]);
            RecentMessageIds.RemoveAt(0);
        }
    }

    private void End(TurnRecord turn, Exchange? exchange, int keepTurns, IReadOnlyList<string>? toCarry)
    {
        Turns.Add(turn);
        NextSeq = turn.Seq + 1;
        if (Turns.Count > keepTurns)
        {
            Turns.RemoveRange(0, Turns.Count - keepTurns);
        }

        if (turn.Status != TurnRecord.Completed && toCarry is { Count: > 0 } effects)
        {
            CarriedEffects.AddRange(effects);
        }

        if (turn.Status == TurnRecord.Cancelled)
        {
            return;
        }

        // A turn covers one message (queue) or the few that were pending: a scan beats a set.
        Pending.RemoveAll(pending => turn.MessageIds.Contains(pending.Message.MessageId, StringComparer.Ordinal));
        if (turn.Status == TurnRecord.Completed)
        {
            TurnsCompleted++;
            CarriedEffects.Clear();
            if (exchange is not null)
            {
                History.Add(exchange);
                if (History.Count > HistoryExchanges)
                {
                    History.RemoveRange(0, History.Count - HistoryExchanges);
                }
            }
        }

        // After a turn a session is mostly idle, and stays in memory as it is: its lists give back
        // what they grew past their contents (a first message's lists hold one item in room for four).
        Shrink(Pending);
        Shrink(RecentMessageIds);
        Shrink(Turns);
        Shrink(History);
        Shrink(CarriedEffects);
    }

    /// <summary>
    /// Trims <paramref name="list"/> to its count once it fills less than half its room: a list that
    /// keeps growing is never trimmed (it doubles first), so an add stays amortized constant.
    /// </summary>
    private static void Shrink<T>(List<T> list)
    {
        if (list.Count < list.Capacity / 2)
        {
            list.Capacity = list.Count;
        }
    }
}
