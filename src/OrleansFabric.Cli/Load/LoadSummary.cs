namespace OrleansFabric.Cli.Load;

/// <summary>The end of a load run, for people (a table) and for benchmarks (<c>--json</c>).</summary>
/// <param name="Kind"><c>sessions</c> or <c>batches</c>.</param>
/// <param name="Completed">False when Ctrl+C ended the run: the numbers are partial.</param>
/// <param name="ElapsedSeconds">The run's wall-clock time.</param>
/// <param name="Requests">Requests of the main operation (messages, content posts).</param>
/// <param name="ThroughputPerSecond">Requests of the main operation per second.</param>
/// <param name="Operations">Every operation's counts and latencies, the main one first.</param>
/// <param name="Errors">Failed requests by status and problem code (<c>429 queue_full</c>, <c>unreachable</c>).</param>
/// <param name="ErrorsTotal">The sum of <paramref name="Errors"/>.</param>
/// <param name="Sessions">The sessions' side of a <c>sessions</c> run.</param>
/// <param name="Batches">The batches' side of a <c>batches</c> run.</param>
/// <param name="InvariantViolations">Guarantees the cluster broke; empty on a healthy cluster.</param>
internal sealed record LoadSummary(
    string Kind,
    bool Completed,
    double ElapsedSeconds,
    long Requests,
    double ThroughputPerSecond,
    IReadOnlyList<OperationSummary> Operations,
    IReadOnlyDictionary<string, long> Errors,
    long ErrorsTotal,
    SessionsOutcome? Sessions,
    BatchesOutcome? Batches,
    IReadOnlyList<string> InvariantViolations);
