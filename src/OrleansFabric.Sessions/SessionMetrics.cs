using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>
/// The session instruments of the ACF analysis (section 5), on meter <see cref="MeterName"/>.
/// Labels are tenant, channel, strategy and status; never a session key or message id.
/// </summary>
public sealed class SessionMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Sessions";

    private static readonly double[] s_turnBuckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60];
    private readonly Meter _meter;
    private readonly Histogram<double> _turnDuration;
    private readonly Counter<long> _turns;
    private readonly Counter<long> _cancelled;
    private readonly Histogram<double> _messageToResponse;
    private readonly ConcurrentDictionary<string, SessionGauge> _sessions = new(StringComparer.Ordinal);

    private readonly TimeProvider _time;

    /// <summary>Creates the instruments; ages are measured on the grains' clock, the one that stamps the messages.</summary>
    public SessionMetrics(IMeterFactory meterFactory, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time, BrainGate gate, BrainCircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(breaker);
        _time = time;
        _meter = meterFactory.Create(MeterName);
        _turnDuration = _meter.CreateHistogram<double>("fabric_turn_duration_seconds", "s", "Time from a turn's start to its end.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_turnBuckets });
        _turns = _meter.CreateCounter<long>("fabric_turns_total", description: "Turns ended, by tenant, channel, strategy and status (completed, cancelled, failed).");
        _cancelled = _meter.CreateCounter<long>("fabric_turns_cancelled_total", description: "Turns cancelled because a newer message superseded them, by channel.");
        _messageToResponse = _meter.CreateHistogram<double>("fabric_message_response_seconds", "s", "Time from a message's acceptance to the commit of the turn that answered it.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_turnBuckets });
        _meter.CreateObservableGauge("fabric_session_queue_depth", () => ObserveDepth(depths => depths.Sum()), description: "Unanswered messages in the sessions active on this silo, by tenant, channel and strategy.");
        _meter.CreateObservableGauge("fabric_session_queue_depth_max", () => ObserveDepth(depths => depths.Max()), description: "Unanswered messages of the deepest session active on this silo, by tenant, channel and strategy.");
        _meter.CreateObservableGauge("fabric_session_oldest_pending_seconds", ObserveOldest, description: "Age of the oldest unanswered message in the sessions active on this silo, by tenant, channel and strategy.");
        _meter.CreateObservableGauge("fabric_brain_calls_in_flight", () => gate.InFlight, description: "Brain calls running on this silo (at most Sessions:Brain:MaxConcurrentCalls).");
        _meter.CreateObservableGauge("fabric_brain_calls_waiting", () => gate.Waiting, description: "Brain calls waiting for a place under Sessions:Brain:MaxConcurrentCalls on this silo.");
        _meter.CreateObservableCounter("fabric_brain_calls_waited_total", () => gate.WaitedTotal, description: "Brain calls that had to wait for a place under Sessions:Brain:MaxConcurrentCalls.");
        _meter.CreateObservableGauge("fabric_brain_circuit_open", () => breaker.IsOpen ? 1 : 0, description: "1 while the brain circuit breaker (Sessions:Brain:CircuitBreaker) refuses brain calls on this silo (open, or half-open awaiting its probe), else 0.");
    }

    /// <summary>
    /// Reports every counter and histogram family at zero, so that they exist from start-up
    /// (dashboards and alerts see 0, not no data, on a fresh silo). Called once the exporters
    /// listen (<see cref="SessionMetricsStartup"/>). The histograms get an observation of zero
    /// seconds under <c>status="none"</c>, a series no turn ever reports.
    /// </summary>
    internal void ReportZeros()
    {
        _turns.Add(0);
        _cancelled.Add(0);
        _turnDuration.Record(0, new KeyValuePair<string, object?>("status", "none"));
        _messageToResponse.Record(0, new KeyValuePair<string, object?>("status", "none"));
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    internal void TurnEnded(SessionKey key, SessionStrategy strategy, string status, TimeSpan duration)
    {
        var tags = new TagList { { "tenant", key.TenantId }, { "channel", key.Channel }, { "strategy", strategy.Name() }, { "status", status } };
        _turns.Add(1, tags);
        _turnDuration.Record(duration.TotalSeconds, tags);
        if (status == TurnRecord.Cancelled)
        {
            _cancelled.Add(1, new KeyValuePair<string, object?>("channel", key.Channel));
        }
    }

    internal void MessageAnswered(SessionKey key, TimeSpan latency) =>
        _messageToResponse.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("tenant", key.TenantId), new KeyValuePair<string, object?>("channel", key.Channel));

    /// <summary>
    /// The queue gauge of an active session, kept until <see cref="Untrack"/>. The session sets
    /// it after every change; that is two field writes, not a shared dictionary update per
    /// message (which made the threads of a busy silo wait for each other).
    /// </summary>
    internal SessionGauge Track(string sessionKey, SessionKey key, SessionStrategy strategy)
    {
        var gauge = new SessionGauge(key.TenantId, key.Channel, strategy.Name());
        _sessions[sessionKey] = gauge;
        return gauge;
    }

    /// <summary>Forgets an ended session's gauge.</summary>
    internal void Untrack(string sessionKey, SessionGauge gauge) => _sessions.TryRemove(KeyValuePair.Create(sessionKey, gauge));

    /// <summary>
    /// The queue depths of the waiting sessions, combined per tenant, channel and strategy by
    /// <paramref name="combine"/> (the sum of the group's sessions, or its deepest one). A family
    /// with no session waiting still reports one zero, so dashboards and alerts see 0 rather than
    /// no data on a fresh or idle silo.
    /// </summary>
    private List<Measurement<long>> ObserveDepth(Func<IEnumerable<long>, long> combine)
    {
        var depths = _sessions.Values
            .Select(gauge => (gauge.Tenant, gauge.Channel, gauge.Strategy, Depth: (long)gauge.Depth))
            .Where(reading => reading.Depth > 0)
            .GroupBy(reading => (reading.Tenant, reading.Channel, reading.Strategy), reading => reading.Depth)
            .Select(group => new Measurement<long>(combine(group), Tags(group.Key)))
            .ToList();
        return depths.Count > 0 ? depths : [new Measurement<long>(0)];
    }

    private IEnumerable<Measurement<double>> ObserveOldest()
    {
        var now = _time.GetUtcNow();
        var ages = _sessions.Values
            .Select(gauge => (gauge.Tenant, gauge.Channel, gauge.Strategy, Oldest: gauge.Oldest))
            .Where(reading => reading.Oldest is not null)
            .GroupBy(reading => (reading.Tenant, reading.Channel, reading.Strategy))
            .Select(group => new Measurement<double>(group.Max(reading => (now - reading.Oldest!.Value).TotalSeconds), Tags(group.Key)))
            .ToList();
        return ages.Count > 0 ? ages : [new Measurement<double>(0)];
    }

    private static KeyValuePair<string, object?>[] Tags((string Tenant, string Channel, string Strategy) key) =>
        [new("tenant", key.Tenant), new("channel", key.Channel), new("strategy", key.Strategy)];

    /// <summary>One session's queue: its depth and when its oldest unanswered message arrived.</summary>
    internal sealed class SessionGauge(string tenant, string channel, string strategy)
    {
        private int _depth;
        private long _oldestTicks;

        public string Tenant { get; } = tenant;

        public string Channel { get; } = channel;

        public string Strategy { get; } = strategy;

        public int Depth => Volatile.Read(ref _depth);

        /// <summary>Null when nothing is pending.</summary>
        public DateTimeOffset? Oldest => Volatile.Read(ref _oldestTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        public void Set(int depth, DateTimeOffset? oldest)
        {
            Volatile.Write(ref _oldestTicks, depth > 0 && oldest is { } since ? since.UtcTicks : 0);
            Volatile.Write(ref _depth, depth);
        }
    }
}
