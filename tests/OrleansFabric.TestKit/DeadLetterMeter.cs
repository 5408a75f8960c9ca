using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.TestKit;

/// <summary>
/// Reads <c>fabric_webhook_dead_lettered_total</c> as an exporter would: through a
/// <see cref="MeterListener"/> on the instrument that the silo's own <see cref="IMeterFactory"/>
/// created (other silos in the test process have their own).
/// </summary>
public static class DeadLetterMeter
{
    /// <summary>The counter's current value for <paramref name="kind"/> (<c>session</c> or <c>batch</c>) on the silo whose services are <paramref name="silo"/>.</summary>
    public static long Read(IServiceProvider silo, string kind)
    {
        // The silo host creates the instruments at start-up; a bare TestCluster silo when first used.
        _ = silo.GetRequiredService<WebhookMetrics>();
        var meterFactory = silo.GetRequiredService<IMeterFactory>();
        long? value = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WebhookMetrics.MeterName
                    && instrument.Name == "fabric_webhook_dead_lettered_total"
                    && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "kind" && Equals(tag.Value, kind))
                {
                    value = measurement;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"No fabric_webhook_dead_lettered_total{{kind=\"{kind}\"}} series on this silo.");
    }
}
