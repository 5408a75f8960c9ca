using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// The time series of one instrument, one cell per distinct set of tag values. Recording a
/// measurement is one dictionary lookup (no allocation once the series exists) and a short
/// lock on its cell; the text is only formatted at scrape time.
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
        var name = PrometheusText.MetricName(instrument.Name);
        Name = Kind == InstrumentKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    public string Name { get; }

    public string? Description { get; }

    public bool IsObservable { get; }

    public InstrumentKind Kind { get; }

    public string PrometheusType => Kind switch
    {
        InstrumentKind.Counter => "counter",
        InstrumentKind.Histogram => "histogram",
        _ => "gauge",
    };

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var cell = _cells.GetOrAdd(TagKey.From(tags), static (_, buckets) => new Cell(buckets.Length), _buckets);
        lock (cell)
        {
            if (IsObservable)
            {
                // Observable instruments report their current total or value at each collection.
                cell.Value = value;
                return;
            }

            switch (Kind)
            {
                case InstrumentKind.Histogram:
                    var index = Array.BinarySearch(_buckets, value);
                    cell.BucketCounts[index < 0 ? ~index : index]++;
                    cell.Count++;
                    cell.Value += value;
                    break;
                case InstrumentKind.Counter when value < 0:
                    break;
                case InstrumentKind.Counter or InstrumentKind.UpDownCounter:
                    cell.Value += value;
                    break;
                default:
                    cell.Value = value;
                    break;
            }
        }
    }

    /// <summary>Forgets the last collection of an observable instrument, so series that vanished are not reported again.</summary>
    public void ClearObservations() => _cells.Clear();

    public void WriteSamples(StringBuilder text)
    {
        foreach (var (key, cell) in _cells.OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal))
        {
            lock (cell)
            {
                if (Kind != InstrumentKind.Histogram)
                {
                    text.Append(Name);
                    key.AppendLabels(text, null);
                    text.Append(' ').Append(PrometheusText.Number(cell.Value)).Append('\n');
                    continue;
                }

                long cumulative = 0;
                for (var i = 0; i <= _buckets.Length; i++)
                {
                    cumulative += cell.BucketCounts[i];
                    text.Append(Name).Append("_bucket");
                    key.AppendLabels(text, i < _buckets.Length ? PrometheusText.Number(_buckets[i]) : "+Inf");
                    text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(Name).Append("_sum");
                key.AppendLabels(text, null);
                text.Append(' ').Append(PrometheusText.Number(cell.Value)).Append('\n');
                text.Append(Name).Append("_count");
                key.AppendLabels(text, null);
                text.Append(' ').Append(cell.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    /// <summary>The current series as values (the same numbers <see cref="WriteSamples"/> writes).</summary>
    public List<SeriesReading> Read()
    {
        var readings = new List<SeriesReading>(_cells.Count);
        foreach (var (key, cell) in _cells)
        {
            lock (cell)
            {
                if (Kind != InstrumentKind.Histogram)
                {
                    readings.Add(new SeriesReading(Name, key.Labels(), cell.Value, 0, [], []));
                    continue;
                }

                var cumulative = new long[cell.BucketCounts.Length];
                long running = 0;
                for (var i = 0; i < cumulative.Length; i++)
                {
                    running += cell.BucketCounts[i];
                    cumulative[i] = running;
                }

                readings.Add(new SeriesReading(Name, key.Labels(), cell.Value, cell.Count, _buckets, cumulative));
            }
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

    private sealed class Cell(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] BucketCounts { get; } = new long[buckets + 1];
    }
}
