using System.Text.Json.Serialization;

namespace OrleansFabric.Silo.Api;

/// <summary>One turn in <c>GET /v1/sessions/{session_key}/turns</c>.</summary>
/// <param name="TurnId">The turn's unique id (the webhook's Idempotency-Key).</param>
/// <param name="Seq">1, 2, … per session.</param>
/// <param name="Status"><c>completed</c>, <c>cancelled</c> or <c>failed</c>.</param>
/// <param name="MessageIds">Every message the turn covered, in order.</param>
/// <param name="Response">The brain's answer; null unless the turn completed.</param>
/// <param name="Error">Why the turn failed; present for failed turns only.</param>
/// <param name="StartedAt">When the brain was started (UTC).</param>
/// <param name="CompletedAt">When the turn ended (UTC).</param>
/// <param name="Effects">What the brain's non-cancellable sections returned (side effects that happened, even in a cancelled turn); absent when none ran.</param>
public sealed record TurnResponse(
    string TurnId,
    long Seq,
    string Status,
    IReadOnlyList<string> MessageIds,
    TurnResponseText? Response,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    DateTime StartedAt,
    DateTime CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Effects = null);
