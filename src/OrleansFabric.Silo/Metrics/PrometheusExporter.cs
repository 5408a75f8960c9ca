using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// Collects the measurements of every <c>OrleansFabric*</c> meter with a
/// <see cref="MeterListener"/> and writes them in the Prometheus text exposition format 0.0.4.
/// Counters and histograms aggregate in place as measurements arrive (one dictionary lookup
/// per measurement, keyed by the tag values, no allocation once a series exists); observable
/// instruments are read at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] s_defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly MeterListener _listener = new();
    private readonly List<InstrumentSeries> _instruments = [];
    private readonly Lock _lock = new();
    private readonly Func<string, bool> _meterFilter;

    /// <summary>Starts listening to meters whose name <paramref name="meterFilter"/> accepts (default: names starting with OrleansFabric).</summary>
    public PrometheusExporter(Func<string, bool>? meterFilter = null)
    {
        _meterFilter = meterFilter ?? (name => name.StartsWith("OrleansFabric", StringComparison.Ordinal));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!_meterFilter(instrument.Meter.Name))
            {
                return;
            }

            var series = new InstrumentSeries(instrument, BucketsOf(instrument));
            lock (_lock)
            {
                _instruments.Add(series);
            }

            listener.EnableMeasurementEvents(instrument, series);
        };
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_lock)
            {
                _instruments.Remove((InstrumentSeries)state!);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (instrument, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Writes the current values of every instrument, plus process metrics.</summary>
    public string Scrape()
    {
        InstrumentSeries[] instruments;
        lock (_lock)
        {
            instruments = [.. _instruments];
        }

        foreach (var instrument in instruments.Where(i => i.IsObservable))
        {
            instrument.ClearObservations();
        }

        _listener.RecordObservableInstruments();
        var text = new StringBuilder(4096);
        foreach (var group in instruments.GroupBy(i => i.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            text.Append("# HELP ").Append(first.Name).Append(' ').Append(EscapeHelp(first.Description)).Append('\n');
            text.Append("# TYPE ").Append(first.Name).Append(' ').Append(first.PrometheusType).Append('\n');
            foreach (var instrument in group)
            {
                instrument.WriteSamples(text);
            }
        }

        WriteProcessMetrics(text);
        return text.ToString();
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();

    internal static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string FormatDouble(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string? text) =>
        string.IsNullOrEmpty(text) ? "(no description)" : text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static double[] BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { } buckets } => [.. buckets],
        Histogram<long> { Advice.HistogramBucketBoundaries: { } buckets } => [.. buckets.Select(b => (double)b)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { } buckets } => [.. buckets.Select(b => (double)b)],
        _ => s_defaultBuckets,
    };

    private static void WriteProcessMetrics(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        Append(text, "process_resident_memory_bytes", "gauge", "Resident memory of the silo process.", process.WorkingSet64);
        Append(text, "process_cpu_seconds_total", "counter", "CPU time used by the silo process.", process.TotalProcessorTime.TotalSeconds);
        Append(text, "dotnet_gc_heap_bytes", "gauge", "Bytes in the managed heap.", GC.GetTotalMemory(forceFullCollection: false));
        Append(text, "dotnet_gc_collections_total", "counter", "Generation 0 garbage collections.", GC.CollectionCount(0));

        static void Append(StringBuilder text, string name, string type, string help, double value) =>
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
                .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
                .Append(name).Append(' ').Append(FormatDouble(value)).Append('\n');
    }
}
