using System.Diagnostics.Metrics;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// The PostgreSQL providers' instruments, on the meter <see cref="MeterName"/>: how long a
/// statement (a grain state read, write or journal append, a reminder write) waits for a batch
/// to take it, how many statements a batch (one transaction) carries, and how long a batch takes
/// from taking its statements to its end. The wait and the batch time together are a durable
/// write's latency; the batch size says how much group commit is saving; a rising batch time
/// says the server is slow before writes start to time out. Labels are bounded: a batch's
/// outcome only.
/// </summary>
public sealed class PostgreSqlMetrics : IDisposable
{
    /// <summary>The name of the PostgreSQL providers' meter.</summary>
    public const string MeterName = "OrleansFabric.PostgreSql";

    /// <summary>A batch's outcome: every statement ran and the transaction committed.</summary>
    public const string Committed = "committed";

    /// <summary>
    /// A batch's outcome: PostgreSQL answered with an error and rolled the transaction back. A
    /// batch of several statements is then run again one statement at a time.
    /// </summary>
    public const string RolledBack = "rolled_back";

    /// <summary>A batch's outcome: no answer (the connection broke or timed out), so whether it committed is unknown.</summary>
    public const string Failed = "failed";

    private static readonly double[] s_secondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];
    private static readonly int[] s_statementBuckets = [1, 2, 4, 8, 16, 32, 64];

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _queued;
    private readonly Histogram<int> _statements;
    private readonly Histogram<double> _batches;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>; durations are measured on <paramref name="time"/>.</summary>
    public PostgreSqlMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _meter = meterFactory.Create(MeterName);
        _queued = _meter.CreateHistogram<double>(
            "fabric_storage_queue_seconds",
            "s",
            "Time a PostgreSQL statement waited for a batch to take it.",
            null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _statements = _meter.CreateHistogram<int>(
            "fabric_storage_batch_statements",
            "{statement}",
            "Statements per PostgreSQL batch (one transaction), by outcome.",
            null,
            new InstrumentAdvice<int> { HistogramBucketBoundaries = s_statementBuckets });
        _batches = _meter.CreateHistogram<double>(
            "fabric_storage_batch_seconds",
            "s",
            "Time a PostgreSQL batch took, from taking its statements to its commit or failure, by outcome (committed, rolled_back, failed).",
            null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    /// <summary>Now, as a timestamp of the metrics' clock.</summary>
    internal long Now() => _time.GetTimestamp();

    /// <summary>A batch took a statement queued at <paramref name="queuedAt"/>.</summary>
    internal void Taken(long queuedAt, long takenAt) => _queued.Record(_time.GetElapsedTime(queuedAt, takenAt).TotalSeconds);

    /// <summary>A batch of <paramref name="statements"/> started at <paramref name="startedAt"/> ended with <paramref name="outcome"/>.</summary>
    internal void BatchEnded(int statements, long startedAt, string outcome)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _statements.Record(statements, tag);
        _batches.Record(_time.GetElapsedTime(startedAt).TotalSeconds, tag);
    }
}
