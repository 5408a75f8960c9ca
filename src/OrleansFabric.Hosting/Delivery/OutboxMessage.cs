namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// A message waiting in a grain's webhook outbox. The grain adds it to its state in the same
/// write as the change it reports (a transactional outbox), so a committed change is always
/// delivered, even after the silo that made it died.
/// </summary>
/// <param name="IdempotencyKey">Sent as the <c>Idempotency-Key</c> header; the receiver drops repeats by it.</param>
/// <param name="Seq">The message's order within the grain; delivery follows it.</param>
/// <param name="Body">The JSON body, as text.</param>
[GenerateSerializer]
[Alias("outbox-message")]
public sealed record OutboxMessage(string IdempotencyKey, long Seq, string Body);
