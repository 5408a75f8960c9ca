namespace OrleansFabric.Benchmarks;

/// <summary>A message of a scenario: its session, id and when it is sent (unscaled seconds from the start).</summary>
internal sealed record ScheduledMessage(string SessionKey, string MessageId, double AtSeconds);
