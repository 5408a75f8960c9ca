using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// The time series of one instrument, one cell per distinct set of tag values. Recording a
/// measurement is one dictionary lookup (no allocation once the series exists) and atomic
/// updates of its cell, without a lock: every session of a tenant and channel records into
/// the same cell, and a lock there made the threads of a busy silo wait for each other. The
/// text is only formatted at scrape time; a histogram's count is the sum of the bucket counts
/// read, so the two always agree in one scrape.
/// </summary>
internal sealed class InstrumentSeries
{
    private readonly ConcurrentDictionary<TagKey, Cell> _cells = new();
    private readonly double[] _buckets;

    public InstrumentSeries(Instrument instrument, double[] buckets)
    {
        _buckets = buckets;
        IsObservable = instrument.IsObservable;
        Description = instrument.Description;
        Kind = KindOf(instrument);
        var name = instrument.Name;
        Name = Kind == InstrumentKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    public string Name { get; }

    public string? Description { get; }

    public bool IsObservable { get; }

    public InstrumentKind Kind { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var cell = _cells.GetOrAdd(TagKey.From(tags), static (_, buckets) => new Cell(buckets.Length), _buckets);
        if (IsObservable)
        {
            // Observable instruments report their current total or value at each collection.
            cell.Set(value);
            return;
        }

        switch (Kind)
        {
            case InstrumentKind.Histogram:
                var index = Array.BinarySearch(_buckets, value);
                Interlocked.Increment(ref cell.BucketCounts[index < 0 ? ~index : index]);
                cell.Add(value);
                break;
            case InstrumentKind.Counter when value < 0:
                break;
            case InstrumentKind.Counter or InstrumentKind.UpDownCounter:
                cell.Add(value);
                break;
            default:
                cell.Set(value);
                break;
        }
    }

    /// <summary>Forgets the last collection of an observable instrument, so series that vanished are not reported again.</summary>
    public void ClearObservations() => _cells.Clear();

    /// <summary>The current series as values .</summary>
    public List<SeriesReading> Read()
    {
        var readings = new List<SeriesReading>(_cells.Count);
        foreach (var (key, cell) in _cells)
        {
            if (Kind != InstrumentKind.Histogram)
            {
                readings.Add(new SeriesReading(Name, key.Labels(), cell.Value, 0, [], []));
                continue;
            }

            var cumulative = cell.Cumulative();
            readings.Add(new SeriesReading(Name, key.Labels(), cell.Value, cumulative[^1], _buckets, cumulative));
        }

        return readings;
    }

    private static InstrumentKind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? InstrumentKind.Counter
            : definition == typeof(UpDownCounter<>) ? InstrumentKind.UpDownCounter
            : definition == typeof(Histogram<>) ? InstrumentKind.Histogram
            : InstrumentKind.Gauge;
    }

    /// <summary>One series' numbers, updated atomically by concurrent recorders.</summary>
    private sealed class Cell(int buckets)
    {
        private double _value;

        /// <summary>The total (counters, a histogram's sum) or the last value (gauges).</summary>
        public double Value => Volatile.Read(ref _value);

        /// <summary>Per bucket (the last is +Inf), not cumulative.</summary>
        public long[] BucketCounts { get; } = new long[buckets + 1];

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Add(double value)
        {
            var current = Volatile.Read(ref _value);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref _value, current + value, current);
                if (seen.Equals(current))
                {
                    return;
                }

                current = seen;
            }
        }

        /// <summary>The bucket counts as Prometheus writes them: each includes those below it; the last is the count.</summary>
        public long[] Cumulative()
        {
            var cumulative = new long[BucketCounts.Length];
            long running = 0;
            for (var i = 0; i < cumulative.Length; i++)
            {
                running += Volatile.Read(ref BucketCounts[i]);
                cumulative[i] = running;
            }

            return cumulative;
        }
    }
}
