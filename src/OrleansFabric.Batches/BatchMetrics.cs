using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansFabric.Batches;

/// <summary>
/// The batch instruments, on meter <see cref="MeterName"/>: how many batches are active on this
/// silo by status, and their slots by status and state. Labels are bounded (status, state);
/// never a batch id or essay id.
/// </summary>
public sealed class BatchMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Batches";

    private static readonly (BatchPhase Phase, string Name)[] s_statuses =
        [(BatchPhase.Collecting, "collecting"), (BatchPhase.Completed, "completed"), (BatchPhase.TimedOut, "timed_out")];

    private readonly Meter _meter;
    private readonly Counter<long> _assignments;
    private readonly ConcurrentDictionary<string, BatchGauge> _batches = new(StringComparer.Ordinal);

    /// <summary>Creates the instruments.</summary>
    public BatchMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _assignments = _meter.CreateCounter<long>("fabric_batch_assignments_total", description: "Content provisioning calls, by outcome (assigned, already_assigned, no_slot_available, batch_closed, batch_not_found).");
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
        _assignments.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
        {
            AssignmentOutcome.Assigned => "assigned",
            AssignmentOutcome.AlreadyAssigned => "already_assigned",
            AssignmentOutcome.NoSlotAvailable => "no_slot_available",
            AssignmentOutcome.BatchClosed => "batch_closed",
            _ => "batch_not_found",
        }));

    /// <summary>Forgets a batch whose activation ended.</summary>
    internal void BatchDeactivated(string batchId) => _batches.TryRemove(batchId, out _);

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
