using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// Collects the measurements of every <c>OrleansFabric*</c> meter with a
/// <see cref="MeterListener"/>, for the dashboard's summary (<c>/metrics</c> is OpenTelemetry's
/// Prometheus exporter; this reads the same instruments in process). Counters, up-down
/// counters, gauges and histograms aggregate in place as measurements arrive; observable
/// instruments are read when asked. Meters created by another host's <see cref="IMeterFactory"/>
/// in the same process (several silos in one test process) are left to that host's reader.
/// </summary>
public sealed class MeterReadings : IDisposable
{
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
    public MeterReadings(IMeterFactory? meterFactory = null, Func<string, bool>? meterFilter = null)
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
}
