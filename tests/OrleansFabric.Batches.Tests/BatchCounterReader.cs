using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansFabric.Batches.Tests;

/// <summary>
/// Reads an untagged counter of the batch meter as an exporter would: through a
/// <see cref="MeterListener"/> on the instrument that the silo's own <see cref="IMeterFactory"/>
/// created (other silos in the test process have their own).
/// </summary>
internal static class BatchCounterReader
{
    /// <summary>The current value of counter <paramref name="name"/> on the silo whose services are <paramref name="silo"/>.</summary>
    public static long Read(IServiceProvider silo, string name)
    {
        // A bare TestCluster silo creates the instruments when the metrics are first used.
        _ = silo.GetRequiredService<BatchMetrics>();
        var meterFactory = silo.GetRequiredService<IMeterFactory>();
        long? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BatchMetrics.MeterName && instrument.Name == name && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) => value = tags.IsEmpty ? measurement : throw new InvalidOperationException($"{name} has labels."));
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No {name} series on this silo.");
    }
}
