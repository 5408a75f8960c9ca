using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.TestKit;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// Reads a gauge of the session meter as an exporter would: through a <see cref="MeterListener"/>
/// on the instrument that the silo's own <see cref="IMeterFactory"/> created.
/// </summary>
internal static class SessionGaugeReader
{
    /// <summary>The current value of untagged integer gauge <paramref name="name"/> on the silo whose services are <paramref name="silo"/>.</summary>
    public static int Read(IServiceProvider silo, string name)
    {
        int? value = null;
        Observe<int>(silo, name, (_, measurement, _, _) => value = measurement);
        return value ?? throw new InvalidOperationException($"No {name} series on this silo.");
    }

    /// <summary>
    /// Every measurement of long-valued gauge <paramref name="name"/> on the silo whose services
    /// are <paramref name="silo"/>, keyed by its tags as <c>tenant/channel/strategy</c> (empty
    /// for an untagged measurement).
    /// </summary>
    public static IReadOnlyDictionary<string, long> ReadSeries(IServiceProvider silo, string name)
    {
        var series = new Dictionary<string, long>(StringComparer.Ordinal);
        Observe<long>(silo, name, (_, measurement, tags, _) =>
        {
            var labels = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value;
            }

            var key = labels.Count == 0 ? string.Empty : $"{labels.GetValueOrDefault("tenant")}/{labels.GetValueOrDefault("channel")}/{labels.GetValueOrDefault("strategy")}";
            series.Add(key, measurement);
        });
        return series;
    }

    private static void Observe<T>(IServiceProvider silo, string name, MeasurementCallback<T> record)
        where T : struct
    {
        _ = silo.GetRequiredService<SessionMetrics>();
        InstrumentReader.Observe(silo, SessionMetrics.MeterName, name, record);
    }
}
