namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// A latency histogram summed over its labels, with quantiles estimated from its buckets as
/// Prometheus' <c>histogram_quantile</c> does (linear within the bucket, so as precise as the
/// bucket bounds allow).
/// </summary>
/// <param name="Count">Observations.</param>
/// <param name="P50Seconds">The estimated median, or null without observations.</param>
/// <param name="P95Seconds">The estimated 95th percentile, or null without observations.</param>
/// <param name="MeanSeconds">The mean, or null without observations.</param>
public sealed record LatencySummary(long Count, double? P50Seconds, double? P95Seconds, double? MeanSeconds);
