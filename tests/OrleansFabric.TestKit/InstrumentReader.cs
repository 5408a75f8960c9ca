using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansFabric.TestKit;

/// <summary>
/// Reads an observable instrument of one silo as an exporter would: through a
/// <see cref="MeterListener"/> on the instrument that the silo's own <see cref="IMeterFactory"/>
/// created (other silos in the test process have their own). The silo host creates its
/// instruments at start-up; a bare TestCluster silo when their owner is first resolved, so
/// callers resolve it first.
/// </summary>
public static class InstrumentReader
{
    /// <summary>
    /// The value of the long-valued series of instrument <paramref name="instrument"/> on meter
    /// <paramref name="meter"/> whose labels <paramref name="series"/> picks, on the silo whose
    /// services are <paramref name="silo"/>.
    /// </summary>
    public static long Read(IServiceProvider silo, string meter, string instrument, Func<IReadOnlyDictionary<string, object?>, bool> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        long? value = null;
        Observe<long>(silo, meter, instrument, (_, measurement, tags, _) =>
        {
            var labels = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value;
            }

            if (series(labels))
            {
                value = measurement;
            }
        });
        return value ?? throw new InvalidOperationException($"No such {instrument} series on this silo.");
    }

    /// <summary>
    /// Hands every current measurement of instrument <paramref name="instrument"/> on meter
    /// <paramref name="meter"/>, on the silo whose services are <paramref name="silo"/>, to <paramref name="record"/>.
    /// </summary>
    public static void Observe<T>(IServiceProvider silo, string meter, string instrument, MeasurementCallback<T> record)
        where T : struct
    {
        var meterFactory = silo.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (published, listener) =>
            {
                if (published.Meter.Name == meter && published.Name == instrument && ReferenceEquals(published.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(published);
                }
            },
        };
        listener.SetMeasurementEventCallback(record);
        listener.Start();
        listener.RecordObservableInstruments();
    }
}
