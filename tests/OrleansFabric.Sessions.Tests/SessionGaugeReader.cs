using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// Reads an untagged integer gauge of the session meter as an exporter would: through a
/// <see cref="MeterListener"/> on the instrument that the silo's own <see cref="IMeterFactory"/> created.
/// </summary>
internal static class SessionGaugeReader
{
    /// <summary>The current value of gauge <paramref name="name"/> on the silo whose services are <paramref name="silo"/>.</summary>
    public static int Read(IServiceProvider silo, string name)
    {
        _ = silo.GetRequiredService<SessionMetrics>();
        var meterFactory = silo.GetRequiredService<IMeterFactory>();
        int? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SessionMetrics.MeterName && instrument.Name == name && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No {name} series on this silo.");
    }
}
