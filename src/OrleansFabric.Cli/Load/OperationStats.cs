namespace OrleansFabric.Cli.Load;

/// <summary>Counts and latencies of one kind of request in a load run (messages, answers, content...).</summary>
internal sealed class OperationStats(string name)
{
    private long _requests;
    private long _ok;

    public string Name { get; } = name;

    public LatencyHistogram Latency { get; } = new();

    public long Requests => Interlocked.Read(ref _requests);

    public long Ok => Interlocked.Read(ref _ok);

    /// <summary>Counts a finished request; only successful ones enter the latency histogram.</summary>
    public void Record(TimeSpan latency, bool ok)
    {
        Interlocked.Increment(ref _requests);
        if (ok)
        {
            Interlocked.Increment(ref _ok);
            Latency.Record(latency);
        }
    }

    /// <summary>Counts a request that ended without an answer to time (unreachable, unanswered).</summary>
    public void RecordFailure() => Interlocked.Increment(ref _requests);

    public OperationSummary Summarize(double elapsedSeconds) => new(
        Name,
        Requests,
        Ok,
        elapsedSeconds > 0 ? Math.Round(Requests / elapsedSeconds, 1) : 0,
        new LatencySummary(
            Math.Round(Latency.PercentileMilliseconds(0.50), 2),
            Math.Round(Latency.PercentileMilliseconds(0.90), 2),
            Math.Round(Latency.PercentileMilliseconds(0.99), 2),
            Math.Round(Latency.MaxMilliseconds, 2),
            Math.Round(Latency.MeanMilliseconds, 2)));
}
