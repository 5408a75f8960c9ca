using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Diagnostics;

/// <summary>
/// The runtime's instruments, on the meter <see cref="MeterName"/>. Names follow Prometheus
/// conventions already (<c>fabric_</c> prefix, <c>_total</c>, <c>_seconds</c>), and labels are
/// bounded: grain type, outcome, reason — never a grain key.
/// </summary>
public sealed class FabricMetrics : IDisposable
{
    /// <summary>The name of the runtime's meter.</summary>
    public const string MeterName = "OrleansFabric.Runtime";

    private static readonly double[] s_callBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] s_latenessBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _turnErrors;
    private readonly Counter<long> _deactivations;
    private readonly Counter<long> _reminderTicks;
    private readonly Histogram<double> _reminderLateness;
    private readonly ConcurrentDictionary<GrainType, StrongBox> _activations = new();
    private Catalog? _catalog;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public FabricMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _calls = _meter.CreateCounter<long>("fabric_grain_calls_total", description: "Grain calls handled by this silo, by grain type and outcome.");
        _callDuration = _meter.CreateHistogram<double>(
            "fabric_grain_call_duration_seconds",
            unit: "s",
            description: "Time from a call's turn start to its completion.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_callBuckets });
        _turnErrors = _meter.CreateCounter<long>("fabric_turn_errors_total", description: "Turns that ended with an exception, by grain type.");
        _deactivations = _meter.CreateCounter<long>("fabric_deactivations_total", description: "Activations ended, by grain type and reason.");
        _reminderTicks = _meter.CreateCounter<long>("fabric_reminder_ticks_total", description: "Reminder ticks delivered, by grain type and outcome.");
        _reminderLateness = _meter.CreateHistogram<double>(
            "fabric_reminder_lateness_seconds",
            unit: "s",
            description: "How long after its due time a reminder tick started.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latenessBuckets });
        _meter.CreateObservableGauge("fabric_activations", ObserveActivations, description: "Live activations on this silo, by grain type.");
        _meter.CreateObservableGauge("fabric_mailbox_depth", ObserveMailboxDepth, description: "Messages waiting in mailboxes on this silo, by grain type.");
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    internal void ObserveCatalog(Catalog catalog) => _catalog = catalog;

    internal void CallCompleted(GrainType grainType, bool failed, TimeSpan duration)
    {
        var type = new KeyValuePair<string, object?>("grain_type", grainType.Name);
        if (_calls.Enabled)
        {
            _calls.Add(1, type, new KeyValuePair<string, object?>("outcome", failed ? "error" : "ok"));
        }

        if (_callDuration.Enabled)
        {
            _callDuration.Record(duration.TotalSeconds, type);
        }

        if (failed)
        {
            _turnErrors.Add(1, type);
        }
    }

    internal void ActivationCreated(GrainType grainType) =>
        Interlocked.Increment(ref _activations.GetOrAdd(grainType, static _ => new StrongBox()).Value);

    internal void ActivationDeactivated(GrainType grainType, DeactivationReason reason)
    {
        Interlocked.Decrement(ref _activations.GetOrAdd(grainType, static _ => new StrongBox()).Value);
        _deactivations.Add(1, new KeyValuePair<string, object?>("grain_type", grainType.Name), new KeyValuePair<string, object?>("reason", ReasonLabel(reason)));
    }

    internal void ReminderFired(GrainType grainType, bool success, TimeSpan lateness)
    {
        var type = new KeyValuePair<string, object?>("grain_type", grainType.Name);
        _reminderTicks.Add(1, type, new KeyValuePair<string, object?>("outcome", success ? "ok" : "error"));
        _reminderLateness.Record(Math.Max(0, lateness.TotalSeconds), type);
    }

    private static string ReasonLabel(DeactivationReason reason) => reason switch
    {
        DeactivationReason.IdleTimeout => "idle_timeout",
        DeactivationReason.Requested => "requested",
        DeactivationReason.Shutdown => "shutdown",
        DeactivationReason.PartitionHandoff => "partition_handoff",
        DeactivationReason.StateConflict => "state_conflict",
        _ => "activation_failed",
    };

    private IEnumerable<Measurement<long>> ObserveActivations() =>
        _activations.Select(pair => new Measurement<long>(Volatile.Read(ref pair.Value.Value), new KeyValuePair<string, object?>("grain_type", pair.Key.Name)));

    private IEnumerable<Measurement<long>> ObserveMailboxDepth()
    {
        if (_catalog is null)
        {
            return [];
        }

        var depths = new Dictionary<GrainType, long>();
        foreach (var activation in _catalog.Activations)
        {
            depths[activation.GrainId.Type] = depths.GetValueOrDefault(activation.GrainId.Type) + activation.MailboxDepth;
        }

        return depths.Select(pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>("grain_type", pair.Key.Name)));
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
