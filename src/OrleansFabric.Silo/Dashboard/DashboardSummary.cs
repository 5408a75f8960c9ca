using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// Builds <see cref="DashboardResponse"/> from Orleans' membership and this silo's metrics.
/// The page's data is summarised here rather than by parsing <c>/metrics</c> in the browser:
/// the numbers are the ones <c>/metrics</c> exports (one source of truth), the page stays a
/// few lines of rendering, quantiles are computed once in tested code, and the data comes from
/// a <c>/v1</c> endpoint that API keys guard like the rest of the API.
/// </summary>
internal static class DashboardSummary
{
    /// <summary>The metric names the summary reads.</summary>
    private static readonly string[] s_metrics =
    [
        "fabric_session_queue_depth",
        "fabric_session_oldest_pending_seconds",
        "fabric_turns_total",
        "fabric_turn_duration_seconds",
        "fabric_message_response_seconds",
        "fabric_batches",
        "fabric_batch_slots",
    ];

    private static readonly string[] s_batchStatuses = ["collecting", "completed", "timed_out"];

    /// <summary>
    /// The summary: <paramref name="cluster"/> and <paramref name="activations"/> (this silo's, by
    /// grain type, from Orleans' management grain) beside this silo's fabric measurements.
    /// </summary>
    public static DashboardResponse Build(string siloId, DateTimeOffset now, ClusterResponse cluster, IEnumerable<GrainTypeActivations> activations, MeterReadings meters)
    {
        var readings = meters.Read(s_metrics).ToLookup(reading => reading.Name, StringComparer.Ordinal);
        return new DashboardResponse(
            siloId,
            now.UtcDateTime,
            cluster,
            [.. activations.OrderBy(type => type.GrainType, StringComparer.Ordinal)],
            Queues(readings),
            Turns(readings),
            [.. s_batchStatuses.Select(status => Batches(readings, status))]);
    }

    private static List<SessionQueueDepth> Queues(ILookup<string, SeriesReading> readings)
    {
        var oldest = readings["fabric_session_oldest_pending_seconds"].ToDictionary(QueueOf, reading => reading.Value);
        return [.. readings["fabric_session_queue_depth"]
            .Where(reading => reading.Value > 0)
            .Select(reading =>
            {
                var (tenant, channel, strategy) = QueueOf(reading);
                return new SessionQueueDepth(tenant, channel, strategy, (long)reading.Value, oldest.TryGetValue((tenant, channel, strategy), out var age) ? age : null);
            })
            .OrderByDescending(queue => queue.Depth)
            .ThenBy(queue => queue.Tenant, StringComparer.Ordinal)
            .ThenBy(queue => queue.Channel, StringComparer.Ordinal)];

        static (string Tenant, string Channel, string Strategy) QueueOf(SeriesReading reading) =>
            (reading.Label("tenant"), reading.Label("channel"), reading.Label("strategy"));
    }

    private static TurnSummary Turns(ILookup<string, SeriesReading> readings)
    {
        var byStatus = readings["fabric_turns_total"]
            .GroupBy(reading => reading.Label("status"), StringComparer.Ordinal)
            .ToDictionary(status => status.Key, status => (long)status.Sum(reading => reading.Value), StringComparer.Ordinal);
        return new TurnSummary(
            byStatus.GetValueOrDefault("completed"),
            byStatus.GetValueOrDefault("cancelled"),
            byStatus.GetValueOrDefault("failed"),
            Latency(readings["fabric_turn_duration_seconds"]),
            Latency(readings["fabric_message_response_seconds"]));
    }

    /// <summary>
    /// Sums a histogram's series (they share the instrument's bounds) and estimates its quantiles,
    /// leaving out the zero the silo records at start-up (status "none") so that the family exists.
    /// </summary>
    private static LatencySummary Latency(IEnumerable<SeriesReading> series)
    {
        series = series.Where(reading => reading.Label("status") != "none");
        IReadOnlyList<double> bounds = [];
        long[]? cumulative = null;
        long count = 0;
        double sum = 0;
        foreach (var reading in series)
        {
            bounds = reading.Bounds;
            cumulative ??= new long[reading.CumulativeCounts.Count];
            for (var i = 0; i < cumulative.Length; i++)
            {
                cumulative[i] += reading.CumulativeCounts[i];
            }

            count += reading.Count;
            sum += reading.Value;
        }

        return cumulative is null || count == 0
            ? new LatencySummary(0, null, null, null)
            : new LatencySummary(count, HistogramQuantile.Estimate(0.5, bounds, cumulative), HistogramQuantile.Estimate(0.95, bounds, cumulative), sum / count);
    }

    private static BatchProgress Batches(ILookup<string, SeriesReading> readings, string status)
    {
        var slots = readings["fabric_batch_slots"].Where(reading => reading.Label("status") == status).ToList();
        return new BatchProgress(
            status,
            (long)readings["fabric_batches"].Where(reading => reading.Label("status") == status).Sum(reading => reading.Value),
            Slots("assigned"),
            Slots("failed"),
            Slots("missing"));

        long Slots(string state) => (long)slots.Where(reading => reading.Label("state") == state).Sum(reading => reading.Value);
    }
}
