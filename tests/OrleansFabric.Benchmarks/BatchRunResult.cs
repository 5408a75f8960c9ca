namespace OrleansFabric.Benchmarks;

/// <summary>What one side of the batch benchmark measured and what its final state showed.</summary>
internal sealed record BatchRunResult(
    string Name,
    TimeSpan Elapsed,
    int Events,
    int Assigned,
    int AlreadyAssigned,
    int NoSlot,
    double P50Ms,
    double P99Ms,
    int Duplicates,
    int Errors,
    int CompleteBatches,
    int Batches,
    IReadOnlyList<string> ErrorSamples)
{
    /// <summary>The 99.9th percentile in ms (0 when not computed).</summary>
    public double P999Ms { get; init; }

    public double AssignmentsPerSecond => Assigned / Elapsed.TotalSeconds;

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}
