namespace OrleansFabric.Hosting.Delivery;

/// <summary>A message joined the outbox.</summary>
[GenerateSerializer]
[Alias("outbox-added")]
public sealed record OutboxAdded(OutboxMessage Message) : OutboxChange;
