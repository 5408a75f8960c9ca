namespace OrleansFabric.Sessions;

/// <summary>One logical turn: the messages it covered and how it ended.</summary>
/// <param name="TurnId">A unique id (the webhook's Idempotency-Key).</param>
/// <param name="Seq">1, 2, … per session.</param>
/// <param name="Status">completed, cancelled or failed.</param>
/// <param name="MessageIds">Every message the turn covered, in order.</param>
/// <param name="ResponseText">The brain's answer (completed turns only).</param>
/// <param name="Error">Why the turn failed (failed turns only).</param>
/// <param name="StartedAt">When the brain was started.</param>
/// <param name="CompletedAt">When the turn ended.</param>
/// <param name="Effects">
/// What the brain's non-cancellable sections returned in this turn (side effects that already
/// happened, such as a payment); kept even when the turn was cancelled, so they are never run twice.
/// </param>
[GenerateSerializer]
[Alias("turn-record")]
public sealed record TurnRecord(
    string TurnId,
    long Seq,
    string Status,
    IReadOnlyList<string> MessageIds,
    string? ResponseText,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    IReadOnlyList<string>? Effects = null)
{
    /// <summary>The brain answered and the answer was committed.</summary>
    public const string Completed = "completed";

    /// <summary>A newer message superseded the turn; nothing of it was committed or delivered.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The brain failed after its retries; the session moved on.</summary>
    public const string Failed = "failed";
}
