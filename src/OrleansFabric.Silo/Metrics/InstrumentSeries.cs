using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>The time series of one instrument, one per distinct set of tag values.</summary>
internal sealed class InstrumentSeries
{
    private readonly ConcurrentDictionary<TagKey, Cell> _cells = new();
    private readonly double[] _buckets;
    private readonly Kind _kind;

    public InstrumentSeries(Instrument instrument, double[] buckets)
    {
        _buckets = buckets;
        IsObservable = instrument.IsObservable;
        Description = instrument.Description;
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        _kind = definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? Kind.Counter
            : definition == typeof(Histogram<>) ? Kind.Histogram
            : Kind.Gauge;
        var name = PrometheusExporter.Sanitize(instrument.Name);
        Name = _kind == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    public string Name { get; }

    public string? Description { get; }

    public bool IsObservable { get; }

    public string PrometheusType => _kind switch
    {
        Kind.Counter => "counter",
        Kind.Histogram => "histogram",
        _ => "gauge",
    };

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = TagKey.From(tags);
        var cell = _cells.GetOrAdd(key, static (_, buckets) => new Cell(buckets.Length), _buckets);
        lock (cell)
        {
            switch (_kind)
            {
                case Kind.Histogram:
                    var index = Array.BinarySearch(_buckets, value);
                    cell.BucketCounts[index < 0 ? ~index : index]++;
                    cell.Count++;
                    cell.Value += value;
                    break;
                case Kind.Counter when !IsObservable:
                    cell.Value += value;
                    break;
                default:
                    // Observable instruments report totals or current values; up-down counters add.
                    cell.Value = IsObservable || _kind == Kind.Counter ? value : cell.Value + value;
                    break;
            }
        }
    }

    public void ClearObservations() => _cells.Clear();

    public void WriteSamples(StringBuilder text)
    {
        foreach (var (key, cell) in _cells.OrderBy(pair => pair.Key.ToString(), StringComparer.Ordinal))
        {
            lock (cell)
            {
                if (_kind != Kind.Histogram)
                {
                    text.Append(Name);
                    key.AppendLabels(text, null);
                    text.Append(' ').Append(PrometheusExporter.FormatDouble(cell.Value)).Append('\n');
                    continue;
                }

                long cumulative = 0;
                for (var i = 0; i <= _buckets.Length; i++)
                {
                    cumulative += cell.BucketCounts[i];
                    var le = i < _buckets.Length ? PrometheusExporter.FormatDouble(_buckets[i]) : "+Inf";
                    text.Append(Name).Append("_bucket");
                    key.AppendLabels(text, le);
                    text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(Name).Append("_sum");
                key.AppendLabels(text, null);
                text.Append(' ').Append(PrometheusExporter.FormatDouble(cell.Value)).Append('\n');
                text.Append(Name).Append("_count");
                key.AppendLabels(text, null);
                text.Append(' ').Append(cell.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    private sealed class Cell(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] BucketCounts { get; } = new long[buckets + 1];
    }
}
