namespace OrleansFabric.Benchmarks;

/// <summary>One wrk run: 202 answers, other answers and socket errors, 202s per second, latency percentiles in ms.</summary>
internal readonly record struct WrkResult(long Accepted, long Errors, double Rate, double P50, double P99);
