using OrleansFabric.Batches;

namespace OrleansFabric.Benchmarks;

/// <summary>The raw answers of one load run, indexed like the workload's events (an event has an outcome or a failure).</summary>
internal sealed record LoadResult(TimeSpan Elapsed, ContentAssignment?[] Outcomes, string?[] Failures, long[] Latencies);
