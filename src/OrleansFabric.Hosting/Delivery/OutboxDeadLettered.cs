namespace OrleansFabric.Hosting.Delivery;

/// <summary>Message <paramref name="Seq"/> was given up after its last allowed attempt.</summary>
[GenerateSerializer]
[Alias("outbox-dead-lettered")]
public sealed record OutboxDeadLettered(long Seq) : OutboxChange;
