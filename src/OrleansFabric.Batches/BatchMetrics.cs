using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansFabric.Batches;

/// <summary>
/// The batch instruments, on meter <see cref="MeterName"/>: how many batches are active on this
/// silo by status, their slots by status and state, the outcomes of content provisioning
/// and validation-failure calls, and the batches this silo timed out. Labels are bounded
/// (status, state, outcome); never a batch id or essay id. The totals are observable counters
/// that report every outcome, zero included, from the moment the silo starts (a counter that
/// never counted is not exported).
/// </summary>
public sealed class BatchMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Batches";

    private static readonly (BatchPhase Phase, string Name)[] s_statuses =
        [(BatchPhase.Collecting, "collecting"), (BatchPhase.Completed, "completed"), (BatchPhase.TimedOut, "timed_out")];

    private static readonly string[] s_assignmentOutcomes = ["assigned", "already_assigned", "no_slot_available", "batch_closed", "batch_not_found"];
    private static readonly string[] s_validationFailureOutcomes = ["recorded", "duplicate", "batch_closed", "batch_not_found"];

    private readonly Meter _meter;
    private readonly long[] _assignments = new long[s_assignmentOutcomes.Length];
    private readonly long[] _validationFailures = new long[s_validationFailureOutcomes.Length];
    private long _timedOut;
    private readonly ConcurrentDictionary<string, BatchGauge> _batches = new(StringComparer.Ordinal);

    /// <summary>Creates the instruments.</summary>
    public BatchMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter(
            "fabric_batch_assignments_total",
            () => Outcomes(s_assignmentOutcomes, _assignments),
            description: "Content provisioning calls, by outcome (assigned, already_assigned, no_slot_available, batch_closed, batch_not_found).");
        _meter.CreateObservableCounter(
            "fabric_batch_validation_failures_total",
            () => Outcomes(s_validationFailureOutcomes, _validationFailures),
            description: "Validation failures reported, by outcome (recorded, duplicate, batch_closed, batch_not_found).");
        _meter.CreateObservableCounter(
            "fabric_batches_timed_out_total",
            () => Interlocked.Read(ref _timedOut),
            description: "Batches that reached their deadline before every wanted essay was in, counted once each by the silo that timed them out.");
        _meter.CreateObservableGauge("fabric_batches", ObserveBatches, description: "Batches active on this silo, by status (collecting, completed, timed_out).");
        _meter.CreateObservableGauge("fabric_batch_slots", ObserveSlots, description: "Slots of the batches active on this silo, by batch status and slot state (assigned, failed, missing).");
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    /// <summary>Records a batch's progress (called by the batch after activation and every state write; an unregistered batch is forgotten).</summary>
    internal void BatchChanged(string batchId, BatchState batch)
    {
        if (!batch.Registered)
        {
            _batches.TryRemove(batchId, out _);
            return;
        }

        var assigned = batch.Assignments.Count;
        var failed = batch.ValidationFailures.Count;
        _batches[batchId] = new BatchGauge(batch.Phase, assigned, failed, Math.Max(0, batch.ExpectedEssayIds.Count - assigned - failed));
    }

    /// <summary>Counts one provisioning call's outcome.</summary>
    internal void Provisioned(AssignmentOutcome outcome) =>
        Interlocked.Increment(ref _assignments[outcome switch
        {
            AssignmentOutcome.Assigned => 0,
            AssignmentOutcome.AlreadyAssigned => 1,
            AssignmentOutcome.NoSlotAvailable => 2,
            AssignmentOutcome.BatchClosed => 3,
            _ => 4,
        }]);

    /// <summary>Counts one validation-failure call's outcome.</summary>
    internal void ValidationFailureReported(ValidationFailureResult result) =>
        Interlocked.Increment(ref _validationFailures[result switch
        {
            ValidationFailureResult.Recorded => 0,
            ValidationFailureResult.Duplicate => 1,
            ValidationFailureResult.BatchClosed => 2,
            _ => 3,
        }]);

    /// <summary>Counts one batch timed out (called once its timed-out state is written).</summary>
    internal void TimedOut() => Interlocked.Increment(ref _timedOut);

    /// <summary>Forgets a batch whose activation ended.</summary>
    internal void BatchDeactivated(string batchId) => _batches.TryRemove(batchId, out _);

    private static IEnumerable<Measurement<long>> Outcomes(string[] outcomes, long[] totals) =>
        outcomes.Select((outcome, i) => new Measurement<long>(Interlocked.Read(ref totals[i]), new KeyValuePair<string, object?>("outcome", outcome)));

    // Every status is reported, zero included, so a dashboard or alert sees "no timed-out batches" as 0, not as no data.
    private IEnumerable<Measurement<long>> ObserveBatches()
    {
        var gauges = _batches.Values.ToList();
        return s_statuses.Select(status => new Measurement<long>(
            gauges.Count(gauge => gauge.Phase == status.Phase),
            new KeyValuePair<string, object?>("status", status.Name)));
    }

    private IEnumerable<Measurement<long>> ObserveSlots()
    {
        var gauges = _batches.Values.ToList();
        foreach (var (phase, name) in s_statuses)
        {
            var ofStatus = gauges.Where(gauge => gauge.Phase == phase).ToList();
            yield return Slots(name, "assigned", ofStatus.Sum(gauge => (long)gauge.Assigned));
            yield return Slots(name, "failed", ofStatus.Sum(gauge => (long)gauge.Failed));
            yield return Slots(name, "missing", ofStatus.Sum(gauge => (long)gauge.Missing));
        }

        static Measurement<long> Slots(string status, string state, long count) =>
            new(count, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("state", state));
    }

    private sealed record BatchGauge(BatchPhase Phase, int Assigned, int Failed, int Missing);
}
