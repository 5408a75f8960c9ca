using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// What <see cref="JournalGrainStorage"/> wrote on this silo, on meter <see cref="MeterName"/>:
/// <c>fabric_storage_writes_total{state,kind}</c> and <c>fabric_storage_written_bytes_total{state,kind}</c>,
/// where state is the grain state's name (session, batch) and kind is <c>append</c> (entries) or
/// <c>snapshot</c> (the whole state); bytes per accepted message is the second over the messages.
/// And how long the grains' writes took and how many failed (<see cref="JournalPersistentState{TState}"/>):
/// <c>fabric_storage_write_duration_seconds{state}</c> and <c>fabric_storage_write_errors_total{state}</c>,
/// what Orleans' storage instruments report for its own storages.
/// </summary>
public sealed class JournalMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Storage";

    /// <summary>The kind of a write that appended entries.</summary>
    public const string Append = "append";

    /// <summary>The kind of a write that stored the whole state.</summary>
    public const string Snapshot = "snapshot";

    private static readonly double[] s_writeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<(string State, string Kind), Totals> _totals = new();
    private readonly ConcurrentDictionary<string, long[]> _errors = new(StringComparer.Ordinal);
    private readonly Histogram<double> _writeDuration;

    /// <summary>Creates the instruments.</summary>
    public JournalMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("fabric_storage_writes_total", () => Observe(totals => totals.Writes), description: "Grain state writes by the fabric's storage, by state name and kind (append: journal entries; snapshot: the whole state).");
        _meter.CreateObservableCounter("fabric_storage_written_bytes_total", () => Observe(totals => totals.Bytes), unit: "By", description: "Bytes of grain state written by the fabric's storage, by state name and kind.");
        _writeDuration = _meter.CreateHistogram<double>("fabric_storage_write_duration_seconds", "s", "Time a grain's state write to the fabric's storage took, by state name.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_writeBuckets });
        _meter.CreateObservableCounter("fabric_storage_write_errors_total", ObserveErrors, description: "Grain state writes to the fabric's storage that failed (an ETag conflict, a database error), by state name.");
    }

    /// <summary>Writes and bytes of state <paramref name="stateName"/> and <paramref name="kind"/> on this silo so far.</summary>
    public (long Writes, long Bytes) Written(string stateName, string kind) =>
        _totals.TryGetValue((stateName, kind), out var totals) ? (Interlocked.Read(ref totals.Writes), Interlocked.Read(ref totals.Bytes)) : (0, 0);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    /// <summary>Counts one write.</summary>
    internal void Written(string stateName, string kind, long bytes)
    {
        var totals = _totals.GetOrAdd((stateName, kind), _ => new Totals());
        Interlocked.Increment(ref totals.Writes);
        Interlocked.Add(ref totals.Bytes, bytes);
    }

    /// <summary>Times one successful write.</summary>
    internal void WriteTook(string stateName, TimeSpan elapsed) =>
        _writeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("state", stateName));

    /// <summary>Counts one failed write.</summary>
    internal void WriteFailed(string stateName) => Interlocked.Increment(ref ErrorsOf(stateName)[0]);

    /// <summary>Exports the failed writes of <paramref name="stateName"/> from now on, at zero until one fails.</summary>
    internal void Track(string stateName) => ErrorsOf(stateName);

    private long[] ErrorsOf(string stateName) => _errors.GetOrAdd(stateName, static _ => new long[1]);

    private IEnumerable<Measurement<long>> ObserveErrors()
    {
        foreach (var (state, errors) in _errors)
        {
            yield return new Measurement<long>(Interlocked.Read(ref errors[0]), new KeyValuePair<string, object?>("state", state));
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<Totals, long> read)
    {
        foreach (var ((state, kind), totals) in _totals)
        {
            yield return new Measurement<long>(read(totals), new KeyValuePair<string, object?>("state", state), new KeyValuePair<string, object?>("kind", kind));
        }
    }

    private sealed class Totals
    {
        public long Writes;
        public long Bytes;
    }
}
