using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// What <see cref="JournalGrainStorage"/> wrote on this silo, on meter <see cref="MeterName"/>:
/// <c>fabric_storage_writes_total{state,kind}</c> and <c>fabric_storage_written_bytes_total{state,kind}</c>,
/// where state is the grain state's name (session, batch) and kind is <c>append</c> (entries) or
/// <c>snapshot</c> (the whole state). Bytes per accepted message is the second over the messages.
/// </summary>
public sealed class JournalMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Storage";

    /// <summary>The kind of a write that appended entries.</summary>
    public const string Append = "append";

    /// <summary>The kind of a write that stored the whole state.</summary>
    public const string Snapshot = "snapshot";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<(string State, string Kind), Totals> _totals = new();

    /// <summary>Creates the instruments.</summary>
    public JournalMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("fabric_storage_writes_total", () => Observe(totals => totals.Writes), description: "Grain state writes by the fabric's storage, by state name and kind (append: journal entries; snapshot: the whole state).");
        _meter.CreateObservableCounter("fabric_storage_written_bytes_total", () => Observe(totals => totals.Bytes), unit: "By", description: "Bytes of grain state written by the fabric's storage, by state name and kind.");
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
