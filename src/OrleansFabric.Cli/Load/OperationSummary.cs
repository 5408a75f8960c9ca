namespace OrleansFabric.Cli.Load;

/// <summary>One row of the load summary: requests, successes, throughput and latency of successful requests.</summary>
internal sealed record OperationSummary(string Name, long Requests, long Ok, double ThroughputPerSecond, LatencySummary LatencyMs);
