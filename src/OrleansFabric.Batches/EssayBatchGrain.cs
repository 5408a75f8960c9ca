using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.Batches;

/// <summary>
/// The single owner of one essay batch. Every method is a turn of this grain, so
/// check-then-act is safe without locks or SKIP LOCKED: a content id is looked up and, if
/// new, given the next free slot in one turn, and the change that ends the batch records
/// its terminal event in the same state write. The deadline is a durable reminder, so it
/// fires on whichever silo holds the batch then (a grain timer makes it exact while the
/// batch is active); a deadline tick for a completed batch does nothing. The terminal event
/// also enters the batch's webhook outbox in that same write, with the trace of the request
/// that ended the batch (none for a timeout), which every delivery attempt continues.
/// </summary>
public sealed partial class EssayBatchGrain(
    [PersistentState("batch", PersistenceOptions.StorageName)] IPersistentState<BatchState> state,
    BatchMetrics metrics,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
    IOptions<BatchesOptions> options,
    IWebhookSender webhook,
    WebhookMetrics webhookMetrics,
    ILogger<EssayBatchGrain> logger) : Grain, IEssayBatchGrain, IRemindable, IWebhookOutboxGrain
{
    internal const string DeadlineReminder = "deadline";

    /// <summary>How often the deadline reminder ticks again after the deadline until the batch has ended (Orleans' shortest period here).</summary>
    private static readonly TimeSpan DeadlineRecheck = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, SlotAssignment> _byContent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failureIds = new(StringComparer.Ordinal);

    private string _batchId = string.Empty;
    private WebhookOutbox _outbox = null!;
    private IGrainTimer? _deadlineTimer;

    private BatchState Batch => state.State;

    /// <summary>The number of essays the batch still waits for in total: slots minus validation failures.</summary>
    private int Wanted => Batch.ExpectedEssayIds.Count - Batch.ValidationFailures.Count;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _batchId = this.GetPrimaryKeyString();
        metrics.BatchChanged(_batchId, Batch);
        foreach (var assignment in Batch.Assignments)
        {
            _byContent[assignment.TextStorageId] = assignment;
        }

        _failureIds.UnionWith(Batch.ValidationFailures.Select(failure => failure.FailureId));
        _outbox = new WebhookOutbox(this, WebhookDeliveryKind.Batch, webhook, options.Value.Delivery, () => Batch.Outbox, change => Batch.ChangeOutbox(change), WriteAsync, time, webhookMetrics, logger);
        _outbox.Resume();
        StartDeadlineTimer();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _outbox.Stop();
        metrics.BatchDeactivated(_batchId);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<RegisterBatchResult> RegisterAsync(BatchDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Validate(definition);
        if (Batch.Registered)
        {
            var existing = new BatchDefinition(Batch.ExpectedEssayIds, Batch.TimeoutSeconds, Batch.Metadata);
            return existing.SameAs(definition) ? RegisterBatchResult.Unchanged : RegisterBatchResult.Conflict;
        }

        var timeout = TimeSpan.FromSeconds(definition.TimeoutSeconds);

        // The reminder first: a batch that exists always has a deadline that will fire. Its first
        // tick is the deadline; should that tick be missed (the silo holding the batch died then),
        // the next comes within DeadlineRecheck, on whichever silo holds the batch by then.
        await this.RegisterOrUpdateReminder(DeadlineReminder, timeout, DeadlineRecheck, cancellationToken);
        Batch.Register(definition, time.GetUtcNow());
        await WriteAsync(cancellationToken);
        StartDeadlineTimer();
        metrics.BatchChanged(_batchId, Batch);
        LogRegistered(logger, _batchId, definition.ExpectedEssayIds.Count, Batch.Deadline);
        return RegisterBatchResult.Created;
    }

    /// <inheritdoc/>
    public async Task<ContentAssignment> ProvisionContentAsync(ProvisionContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ApiIds.Check(content.TextStorageId, "text_storage_id");
        var result = await ProvisionAsync(content, cancellationToken);
        metrics.Provisioned(result.Outcome);
        return result;
    }

    /// <inheritdoc/>
    public async Task<ValidationFailureResult> RecordValidationFailureAsync(ValidationFailure failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ApiIds.Check(failure.FailureId, "failure_id");
        var result = await RecordAsync(failure, cancellationToken);
        metrics.ValidationFailureReported(result);
        return result;
    }

    /// <inheritdoc/>
    public Task<BatchStatus?> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        if (!Batch.Registered)
        {
            return Task.FromResult<BatchStatus?>(null);
        }

        return Task.FromResult<BatchStatus?>(new BatchStatus(
            _batchId,
            Batch.Phase,
            Batch.ExpectedEssayIds.Count,
            Batch.Assignments.Count,
            [.. Batch.Assignments],
            MissingSlots(),
            [.. Batch.ValidationFailures],
            Batch.CreatedAt,
            Batch.Deadline,
            Batch.CompletedAt,
            Batch.Metadata,
            _outbox.Status));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<BatchEvent>?> GetEventsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BatchEvent>?>(Batch.Registered ? [.. Batch.Events] : null);

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == WebhookOutbox.ReminderName)
        {
            await _outbox.ReceiveReminderAsync();
            return;
        }

        if (reminderName != DeadlineReminder)
        {
            return;
        }

        if (!Batch.Registered || Batch.Phase != BatchPhase.Collecting)
        {
            await ForgetDeadlineAsync(); // ended before the deadline: the tick changes nothing
            return;
        }

        await TimeOutIfDueAsync();
    }

    /// <inheritdoc/>
    public Task WebhookAttemptedAsync(long generation, long seq, string? failure) => _outbox.OnAttemptedAsync(generation, seq, failure);

    /// <summary>The batch rules of API.md, enforced here too so every caller (HTTP or grain client) meets them.</summary>
    private static void Validate(BatchDefinition definition)
    {
        if (definition.ExpectedEssayIds is not { Count: >= 1 and <= 10_000 } ids)
        {
            throw new ArgumentException("expected_essay_ids must hold 1 to 10000 ids.", nameof(definition));
        }

        foreach (var id in ids)
        {
            ApiIds.Check(id, "expected_essay_ids");
        }

        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            throw new ArgumentException("expected_essay_ids must not repeat an id.", nameof(definition));
        }

        if (definition.TimeoutSeconds is < 1 or > 604_800)
        {
            throw new ArgumentException("timeout_seconds must be between 1 and 604800.", nameof(definition));
        }
    }

    private async Task<ContentAssignment> ProvisionAsync(ProvisionContent content, CancellationToken cancellationToken)
    {
        if (!Batch.Registered)
        {
            return new ContentAssignment(AssignmentOutcome.BatchNotFound, null);
        }

        // One turn at a time: no other provisioning can run between this lookup and the change.
        if (_byContent.TryGetValue(content.TextStorageId, out var existing))
        {
            return new ContentAssignment(AssignmentOutcome.AlreadyAssigned, existing.EssayId);
        }

        switch (Batch.Phase)
        {
            case BatchPhase.TimedOut:
                return new ContentAssignment(AssignmentOutcome.BatchClosed, null);
            case BatchPhase.Completed:
                return new ContentAssignment(AssignmentOutcome.NoSlotAvailable, null);
        }

        if (Batch.Assignments.Count + 1 >= Wanted)
        {
            await _outbox.PrepareAsync(); // this assignment completes the batch
        }

        var slot = Batch.ExpectedEssayIds[Batch.Assignments.Count];
        var assignment = new SlotAssignment(slot, content.TextStorageId, content.OriginalFileName, time.GetUtcNow());
        Batch.Assign(assignment);
        _byContent[content.TextStorageId] = assignment;
        var completed = CompleteIfReady();
        await WriteAsync(cancellationToken);
        metrics.BatchChanged(_batchId, Batch);
        if (completed)
        {
            await EndedAsync();
        }

        return new ContentAssignment(AssignmentOutcome.Assigned, slot);
    }

    private async Task<ValidationFailureResult> RecordAsync(ValidationFailure failure, CancellationToken cancellationToken)
    {
        if (!Batch.Registered)
        {
            return ValidationFailureResult.BatchNotFound;
        }

        if (_failureIds.Contains(failure.FailureId))
        {
            return ValidationFailureResult.Duplicate;
        }

        if (Batch.Phase != BatchPhase.Collecting)
        {
            return ValidationFailureResult.BatchClosed;
        }

        if (Batch.Assignments.Count + 1 >= Wanted)
        {
            await _outbox.PrepareAsync(); // this failure completes the batch
        }

        Batch.RecordFailure(new RecordedValidationFailure(failure.FailureId, failure.FileName, failure.ErrorCode, failure.Message, time.GetUtcNow()));
        _failureIds.Add(failure.FailureId);
        var completed = CompleteIfReady();
        await WriteAsync(cancellationToken);
        metrics.BatchChanged(_batchId, Batch);
        if (completed)
        {
            await EndedAsync();
        }

        return ValidationFailureResult.Recorded;
    }

    /// <summary>Moves to Completed (with its event) when every wanted essay is in. Called before the state write.</summary>
    private bool CompleteIfReady()
    {
        if (Batch.Phase != BatchPhase.Collecting || Batch.Assignments.Count < Wanted)
        {
            return false;
        }

        End(BatchPhase.Completed, BatchEvent.EssaysReady, includeMissing: false, GrainCallTrace.TraceParent());
        return true;
    }

    /// <summary>The deadline passed while the batch was collecting: time it out, with its event, in one write.</summary>
    private async Task TimeOutIfDueAsync()
    {
        if (!Batch.Registered || Batch.Phase != BatchPhase.Collecting || time.GetUtcNow() < Batch.Deadline)
        {
            return;
        }

        await _outbox.PrepareAsync();
        End(BatchPhase.TimedOut, BatchEvent.TimedOut, includeMissing: true, traceParent: null);
        await WriteAsync(CancellationToken.None);
        metrics.TimedOut(); // once: the batch is no longer collecting, so no later tick gets here
        LogTimedOut(logger, _batchId, Batch.Assignments.Count, Wanted);
        metrics.BatchChanged(_batchId, Batch);
        await EndedAsync();
    }

    /// <summary>After the write that ended the batch: deliver its event, drop its deadline.</summary>
    private async Task EndedAsync()
    {
        _outbox.Resume();
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
        await ForgetDeadlineAsync();
    }

    /// <summary>While the batch collects and is active, a grain timer times it out at its exact deadline.</summary>
    private void StartDeadlineTimer()
    {
        if (!Batch.Registered || Batch.Phase != BatchPhase.Collecting)
        {
            return;
        }

        _deadlineTimer?.Dispose();
        var due = Batch.Deadline - time.GetUtcNow();
        _deadlineTimer = this.RegisterGrainTimer(TimeOutIfDueAsync, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Ends the batch with its terminal event (its payload names the missing slots on a timeout)
    /// and puts the event in the outbox; its deliveries continue <paramref name="traceParent"/>.
    /// </summary>
    private void End(BatchPhase phase, string type, bool includeMissing, string? traceParent)
    {
        var at = time.GetUtcNow();
        var payload = new JsonObject
        {
            ["batch_id"] = _batchId,
            ["assignments"] = new JsonArray([.. Batch.Assignments.Select(a => (JsonNode)new JsonObject
            {
                ["essay_id"] = a.EssayId,
                ["text_storage_id"] = a.TextStorageId,
                ["original_file_name"] = a.OriginalFileName,
            })]),
            ["validation_failures"] = new JsonArray([.. Batch.ValidationFailures.Select(f => (JsonNode)JsonValue.Create(f.FailureId)!)]),
            ["metadata"] = Batch.Metadata is { } metadata ? JsonNode.Parse(metadata) : null,
        };
        if (includeMissing)
        {
            payload["missing_slots"] = new JsonArray([.. MissingSlots().Select(slot => (JsonNode)JsonValue.Create(slot)!)]);
        }

        var batchEvent = new BatchEvent(Batch.Events.Count + 1, type, at, payload.ToJsonString());
        Batch.End(phase, at, batchEvent);
        _outbox.Add(
            $"{_batchId}:{batchEvent.Seq}",
            batchEvent.Seq,
            () => new JsonObject
            {
                ["batch_id"] = _batchId,
                ["seq"] = batchEvent.Seq,
                ["type"] = batchEvent.Type,
                ["at"] = at.UtcDateTime,
                ["payload"] = payload.DeepClone(),
            }.ToJsonString(),
            traceParent);
    }

    /// <summary>
    /// Writes the state. A failed write (an ETag conflict, a database error) leaves this activation's
    /// state ahead of what is durable, so the activation is dropped and the next call reloads; the
    /// caller gets the error, which means "outcome unknown", and its retry is answered from the
    /// stored state (the same content always gets the same slot).
    /// </summary>
    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// The slots still awaited: none once completed; otherwise the unassigned slots less one per
    /// validation failure (a failed essay will never arrive, so one slot fewer is missing).
    /// </summary>
    private List<string> MissingSlots()
    {
        if (Batch.Phase == BatchPhase.Completed)
        {
            return [];
        }

        var unassigned = Batch.ExpectedEssayIds.Skip(Batch.Assignments.Count).ToList();
        return [.. unassigned.Take(Math.Max(0, unassigned.Count - Batch.ValidationFailures.Count))];
    }

    private async Task ForgetDeadlineAsync()
    {
        try
        {
            if (await this.GetReminder(DeadlineReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Harmless: the deadline tick finds the batch ended and tries again.
            LogDeadlineKept(logger, exception, _batchId);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Batch {BatchId} registered with {Slots} slots, deadline {Deadline}")]
    private static partial void LogRegistered(ILogger logger, string batchId, int slots, DateTimeOffset deadline);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Batch {BatchId} timed out with {Assigned} of {Wanted} essays")]
    private static partial void LogTimedOut(ILogger logger, string batchId, int assigned, int wanted);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Batch {BatchId} ended but its deadline reminder could not be removed")]
    private static partial void LogDeadlineKept(ILogger logger, Exception exception, string batchId);
}
