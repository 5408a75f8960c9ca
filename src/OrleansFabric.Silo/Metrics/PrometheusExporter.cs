using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// Collects the measurements of every <c>OrleansFabric*</c> meter with a
/// <see cref="MeterListener"/> and writes them in the Prometheus text exposition format 0.0.4,
/// followed by a few process metrics. Counters, up-down counters, gauges and histograms
/// aggregate in place as measurements arrive; observable instruments are read at scrape time.
/// Meters created by another host's <see cref="IMeterFactory"/> in the same process (several
/// silos in one test process) are left to that host's exporter.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The prefix of the meters exported by default.</summary>
    public const string MeterPrefix = "OrleansFabric";

    private static readonly double[] s_defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly MeterListener _listener = new();
    private readonly List<InstrumentSeries> _instruments = [];
    private readonly Lock _instrumentsLock = new();
    private readonly Lock _scrapeLock = new();

    /// <summary>
    /// Starts listening to meters whose name <paramref name="meterFilter"/> accepts (default:
    /// names starting with <see cref="MeterPrefix"/>) and that are either created by
    /// <paramref name="meterFactory"/> or by no factory at all.
    /// </summary>
    public PrometheusExporter(IMeterFactory? meterFactory = null, Func<string, bool>? meterFilter = null)
    {
        var filter = meterFilter ?? (name => name.StartsWith(MeterPrefix, StringComparison.Ordinal));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            var scope = instrument.Meter.Scope;
            if (!filter(instrument.Meter.Name) || (scope is not null && meterFactory is not null && !ReferenceEquals(scope, meterFactory)))
            {
                return;
            }

            var series = new InstrumentSeries(instrument, BucketsOf(instrument));
            lock (_instrumentsLock)
            {
                _instruments.Add(series);
            }

            listener.EnableMeasurementEvents(instrument, series);
        };
        _listener.MeasurementsCompleted = (_, state) =>
        {
            lock (_instrumentsLock)
            {
                _instruments.Remove((InstrumentSeries)state!);
            }
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Collects the observable instruments and writes every series, plus process metrics.</summary>
    public string Scrape()
    {
        // One scrape at a time: observable series are cleared and re-collected per scrape.
        lock (_scrapeLock)
        {
            var instruments = Collect();
            var text = new StringBuilder(8192);
            foreach (var family in instruments.GroupBy(instrument => instrument.Name).OrderBy(family => family.Key, StringComparer.Ordinal))
            {
                var first = family.First();
                text.Append("# HELP ").Append(first.Name).Append(' ').Append(PrometheusText.Help(first.Description)).Append('\n');
                text.Append("# TYPE ").Append(first.Name).Append(' ').Append(first.PrometheusType).Append('\n');

                // Same-named instruments of another type cannot share the family; the first one wins.
                foreach (var instrument in family.Where(instrument => instrument.Kind == first.Kind))
                {
                    instrument.WriteSamples(text);
                }
            }

            WriteProcessMetrics(text);
            return text.ToString();
        }
    }

    /// <summary>
    /// Collects the observable instruments and returns the series named <paramref name="names"/>
    /// as values, for views that summarise them (the dashboard) without parsing the text format.
    /// </summary>
    internal IReadOnlyList<SeriesReading> Read(params string[] names)
    {
        lock (_scrapeLock)
        {
            return [.. Collect()
                .Where(instrument => names.Contains(instrument.Name, StringComparer.Ordinal))
                .SelectMany(instrument => instrument.Read())];
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();

    /// <summary>Re-collects the observable instruments; returns every instrument. Called under the scrape lock.</summary>
    private InstrumentSeries[] Collect()
    {
        InstrumentSeries[] instruments;
        lock (_instrumentsLock)
        {
            instruments = [.. _instruments];
        }

        foreach (var instrument in instruments)
        {
            if (instrument.IsObservable)
            {
                instrument.ClearObservations();
            }
        }

        _listener.RecordObservableInstruments();
        return instruments;
    }

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } buckets } => Sorted(buckets.Select(b => b)),
        Histogram<float> { Advice.HistogramBucketBoundaries: { Count: > 0 } buckets } => Sorted(buckets.Select(b => (double)b)),
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } buckets } => Sorted(buckets.Select(b => (double)b)),
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } buckets } => Sorted(buckets.Select(b => (double)b)),
        _ => s_defaultBuckets,
    };

    private static double[] Sorted(IEnumerable<double> bounds) =>
        [.. bounds.Where(bound => !double.IsNaN(bound) && !double.IsPositiveInfinity(bound)).Distinct().Order()];

    private static void WriteProcessMetrics(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        Family(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        Sample(text, "process_resident_memory_bytes", null, process.WorkingSet64);
        Family(text, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        Sample(text, "process_cpu_seconds_total", null, process.TotalProcessorTime.TotalSeconds);
        Family(text, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
        Sample(text, "process_start_time_seconds", null, new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Family(text, "dotnet_gc_heap_bytes", "gauge", "Bytes currently allocated in the managed heap.");
        Sample(text, "dotnet_gc_heap_bytes", null, GC.GetTotalMemory(forceFullCollection: false));
        Family(text, "dotnet_gc_collections_total", "counter", "Garbage collections since the process started, by generation.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            Sample(text, "dotnet_gc_collections_total", generation.ToString(CultureInfo.InvariantCulture), GC.CollectionCount(generation));
        }

        Family(text, "dotnet_threadpool_threads", "gauge", "Thread-pool threads.");
        Sample(text, "dotnet_threadpool_threads", null, ThreadPool.ThreadCount);

        static void Family(StringBuilder text, string name, string type, string help) =>
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        static void Sample(StringBuilder text, string name, string? generation, double value)
        {
            text.Append(name);
            if (generation is not null)
            {
                text.Append("{generation=\"").Append(generation).Append("\"}");
            }

            text.Append(' ').Append(PrometheusText.Number(value)).Append('\n');
        }
    }
}
