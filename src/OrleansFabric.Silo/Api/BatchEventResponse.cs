using System.Text.Json;

namespace OrleansFabric.Silo.Api;

/// <summary>One event in <c>GET /v1/batches/{batch_id}/events</c>.</summary>
/// <param name="Seq">1, 2, … in order.</param>
/// <param name="Type"><c>BatchEssaysReady</c> or <c>BatchTimedOut</c>.</param>
/// <param name="At">When it happened (UTC).</param>
/// <param name="Payload">The assignments, validation failures and (on timeout) missing slots.</param>
public sealed record BatchEventResponse(long Seq, string Type, DateTime At, JsonElement Payload);
