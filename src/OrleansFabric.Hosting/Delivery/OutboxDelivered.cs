namespace OrleansFabric.Hosting.Delivery;

/// <summary>The receiver acknowledged message <paramref name="Seq"/> at <paramref name="At"/>.</summary>
[GenerateSerializer]
[Alias("outbox-delivered")]
public sealed record OutboxDelivered(long Seq, DateTimeOffset At) : OutboxChange;
