namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// A message waiting in a grain's webhook outbox. The grain adds it to its state in the same
/// write as the change it reports (a transactional outbox), so a committed change is always
/// delivered, even after the silo that made it died.
/// </summary>
/// <param name="IdempotencyKey">Sent as the <c>Idempotency-Key</c> header; the receiver drops repeats by it.</param>
/// <param name="Seq">The message's order within the grain; delivery follows it.</param>
/// <param name="Body">The JSON body, as text.</param>
/// <param name="TraceParent">
/// The W3C <c>traceparent</c> of the work that produced the message (a session's turn, the
/// request that ended a batch): every attempt at it, retries and redeliveries by a later
/// activation included, continues that trace. Null when there was none. The last member, so a
/// message stored before it existed still reads (with null).
/// </param>
[GenerateSerializer]
[Alias("outbox-message")]
public sealed record OutboxMessage(string IdempotencyKey, long Seq, string Body, string? TraceParent = null);
