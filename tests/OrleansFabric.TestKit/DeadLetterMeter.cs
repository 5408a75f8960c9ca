using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.TestKit;

/// <summary>Reads <c>fabric_webhook_dead_lettered_total</c> of one silo as an exporter would (<see cref="InstrumentReader"/>).</summary>
public static class DeadLetterMeter
{
    /// <summary>The counter's current value for <paramref name="kind"/> (<c>session</c> or <c>batch</c>) on the silo whose services are <paramref name="silo"/>.</summary>
    public static long Read(IServiceProvider silo, string kind)
    {
        _ = silo.GetRequiredService<WebhookMetrics>();
        return InstrumentReader.Read(silo, WebhookMetrics.MeterName, "fabric_webhook_dead_lettered_total", labels => Equals(labels.GetValueOrDefault("kind"), kind));
    }
}
