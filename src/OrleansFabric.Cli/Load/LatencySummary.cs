namespace OrleansFabric.Cli.Load;

/// <summary>Latency percentiles, maximum and mean in milliseconds.</summary>
internal sealed record LatencySummary(double P50, double P90, double P99, double Max, double Mean);
