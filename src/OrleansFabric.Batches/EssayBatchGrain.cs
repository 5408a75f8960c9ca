using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Runtime;

namespace OrleansFabric.Batches;

/// <summary>
/// The single owner of one essay batch. Every method is a turn of this grain, so
/// check-then-act is safe without locks or SKIP LOCKED: a content id is looked up and, if
/// new, given the next free slot in one turn, and the change that ends the batch records
/// its terminal event in the same state write. The deadline is a durable reminder, so it
/// fires on whichever silo owns the batch then; a deadline tick for a completed batch does
/// nothing. The terminal event also enters the batch's webhook outbox in that same write.
/// Provisioning storms share state writes (group commit): assignments made while a write is in
/// flight go out together in the next one, each answered only once its write is durable.
/// </summary>
[GroupCommit]
public sealed partial class EssayBatchGrain(
    [PersistentState("batch")] IPersistentState<BatchState> state,
    BatchMetrics metrics,
    TimeProvider time,
    IOptions<BatchesOptions> options,
    IWebhookSender webhook,
    ILogger<EssayBatchGrain> logger) : Grain, IEssayBatchGrain, IRemindable
{
    internal const string DeadlineReminder = "deadline";

    private readonly Dictionary<string, SlotAssignment> _byContent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failureIds = new(StringComparer.Ordinal);

    private string _batchId = string.Empty;
    private WebhookOutbox _outbox = null!;
    private Task _lastWrite = Task.CompletedTask;

    private BatchState Batch => state.State;

    /// <summary>The number of essays the batch still waits for in total: slots minus validation failures.</summary>
    private int Wanted => Batch.ExpectedEssayIds.Count - Batch.ValidationFailures.Count;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _batchId = GetPrimaryKeyString();
        metrics.BatchChanged(_batchId, Batch);
        foreach (var assignment in Batch.Assignments)
        {
            _byContent[assignment.TextStorageId] = assignment;
        }

        _failureIds.UnionWith(Batch.ValidationFailures.Select(failure => failure.FailureId));
        _outbox = new WebhookOutbox(this, webhook, options.Value.Delivery, () => Batch.Outbox, WriteAsync);
        _outbox.Resume();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.BatchDeactivated(_batchId);
        return Task.CompletedTask;
    }

    public async Task<RegisterBatchResult> RegisterAsync(BatchDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Validate(definition);
        if (Batch.Registered)
        {
            var existing = new BatchDefinition(Batch.ExpectedEssayIds, Batch.TimeoutSeconds, Batch.Metadata);
            return existing.SameAs(definition) ? RegisterBatchResult.Unchanged : RegisterBatchResult.Conflict;
        }

        var now = time.GetUtcNow();
        Batch.Registered = true;
        Batch.ExpectedEssayIds = [.. definition.ExpectedEssayIds];
        Batch.TimeoutSeconds = definition.TimeoutSeconds;
        Batch.Metadata = definition.Metadata;
        Batch.CreatedAt = now;
        Batch.Deadline = now.AddSeconds(definition.TimeoutSeconds);
        Batch.Phase = BatchPhase.Collecting;

        // The reminder first: a batch that exists always has a deadline that will fire.
        await RegisterOrUpdateReminderAsync(DeadlineReminder, TimeSpan.FromSeconds(definition.TimeoutSeconds), TimeSpan.Zero, cancellationToken);
        await WriteAsync(cancellationToken);
        metrics.BatchChanged(_batchId, Batch);
        LogRegistered(logger, _batchId, definition.ExpectedEssayIds.Count, Batch.Deadline);
        return RegisterBatchResult.Created;
    }

    public async Task<ContentAssignment> ProvisionContentAsync(ProvisionContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ApiIds.Check(content.TextStorageId, "text_storage_id");
        if (!Batch.Registered)
        {
            return new ContentAssignment(AssignmentOutcome.BatchNotFound, null);
        }

        // One turn at a time: no other provisioning can run between this lookup and the change.
        if (_byContent.TryGetValue(content.TextStorageId, out var existing))
        {
            await DurableAsync();
            return new ContentAssignment(AssignmentOutcome.AlreadyAssigned, existing.EssayId);
        }

        switch (Batch.Phase)
        {
            case BatchPhase.TimedOut:
                await DurableAsync();
                return new ContentAssignment(AssignmentOutcome.BatchClosed, null);
            case BatchPhase.Completed:
                await DurableAsync();
                return new ContentAssignment(AssignmentOutcome.NoSlotAvailable, null);
        }

        if (Batch.Assignments.Count + 1 >= Wanted)
        {
            await _outbox.PrepareAsync(cancellationToken); // this assignment completes the batch
        }

        var slot = Batch.ExpectedEssayIds[Batch.Assignments.Count];
        var assignment = new SlotAssignment(slot, content.TextStorageId, content.OriginalFileName, time.GetUtcNow());
        Batch.Assignments.Add(assignment);
        _byContent[content.TextStorageId] = assignment;
        var completed = CompleteIfReady();
        await WriteAsync(cancellationToken);

        metrics.BatchChanged(_batchId, Batch);
        if (completed)
        {
            _outbox.Resume();
            await ForgetDeadlineAsync(cancellationToken);
        }

        return new ContentAssignment(AssignmentOutcome.Assigned, slot);
    }

    public async Task<ValidationFailureResult> RecordValidationFailureAsync(ValidationFailure failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ApiIds.Check(failure.FailureId, "failure_id");
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
            await _outbox.PrepareAsync(cancellationToken); // this failure completes the batch
        }

        Batch.ValidationFailures.Add(new RecordedValidationFailure(failure.FailureId, failure.FileName, failure.ErrorCode, failure.Message, time.GetUtcNow()));
        _failureIds.Add(failure.FailureId);
        var completed = CompleteIfReady();
        await WriteAsync(cancellationToken);
        metrics.BatchChanged(_batchId, Batch);
        if (completed)
        {
            _outbox.Resume();
            await ForgetDeadlineAsync(cancellationToken);
        }

        return ValidationFailureResult.Recorded;
    }

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

    public Task<IReadOnlyList<BatchEvent>?> GetEventsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BatchEvent>?>(Batch.Registered ? [.. Batch.Events] : null);

    public async Task ReceiveReminderAsync(string reminderName, TickStatus status, CancellationToken cancellationToken)
    {
        if (reminderName == WebhookOutbox.ReminderName)
        {
            await _outbox.ReceiveReminderAsync(cancellationToken);
            return;
        }

        if (reminderName != DeadlineReminder || !Batch.Registered || Batch.Phase != BatchPhase.Collecting)
        {
            return; // completed before the deadline: the tick changes nothing
        }

        await _outbox.PrepareAsync(cancellationToken);
        var now = time.GetUtcNow();
        Batch.Phase = BatchPhase.TimedOut;
        Batch.CompletedAt = now;
        AppendEvent(BatchEvent.TimedOut, now, includeMissing: true);
        await WriteAsync(cancellationToken);
        _outbox.Resume();
        LogTimedOut(logger, _batchId, Batch.Assignments.Count, Wanted);
        metrics.BatchChanged(_batchId, Batch);
    }

    /// <summary>The batch rules of API.md, enforced here too so every caller (HTTP, typed client, other grains) meets them.</summary>
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

    /// <summary>Moves to Completed (with its event) when every wanted essay is in. Called before the state write.</summary>
    private bool CompleteIfReady()
    {
        if (Batch.Phase != BatchPhase.Collecting || Batch.Assignments.Count < Wanted)
        {
            return false;
        }

        var now = time.GetUtcNow();
        Batch.Phase = BatchPhase.Completed;
        Batch.CompletedAt = now;
        AppendEvent(BatchEvent.EssaysReady, now, includeMissing: false);
        return true;
    }

    private void AppendEvent(string type, DateTimeOffset at, bool includeMissing)
    {
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
        };
        if (includeMissing)
        {
            payload["missing_slots"] = new JsonArray([.. MissingSlots().Select(slot => (JsonNode)JsonValue.Create(slot)!)]);
        }

        var batchEvent = new BatchEvent(Batch.Events.Count + 1, type, at, JsonSerializer.SerializeToElement(payload));
        Batch.Events.Add(batchEvent);
        _outbox.Add($"{_batchId}:{batchEvent.Seq}", batchEvent.Seq, () => JsonSerializer.SerializeToElement(new JsonObject
        {
            ["batch_id"] = _batchId,
            ["seq"] = batchEvent.Seq,
            ["type"] = batchEvent.Type,
            ["at"] = at.UtcDateTime,
            ["payload"] = payload.DeepClone(),
        }));
    }

    /// <summary>
    /// Writes the state, remembering the write for <see cref="DurableAsync"/>. Concurrent turns
    /// share writes (group commit), so a failed write cannot be undone change by change: the
    /// runtime drops the activation instead and the next call reloads what is durable. Its
    /// callers get an error, which means "outcome unknown"; their retries are answered from the
    /// stored state (the same content always gets the same slot).
    /// </summary>
    private Task WriteAsync(CancellationToken cancellationToken)
    {
        var write = state.WriteStateAsync(cancellationToken);
        _lastWrite = write;
        return write;
    }

    /// <summary>
    /// Waits until the changes this turn has seen are durable: an answer read from an
    /// assignment whose write is still in flight (a concurrent duplicate) must not be sent
    /// before that write commits, or it could acknowledge something a crash then loses.
    /// </summary>
    private Task DurableAsync() => _lastWrite;

    private List<string> MissingSlots() => [.. Batch.ExpectedEssayIds.Skip(Batch.Assignments.Count)];

    private async Task ForgetDeadlineAsync(CancellationToken cancellationToken)
    {
        try
        {
            await UnregisterReminderAsync(DeadlineReminder, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Harmless: the deadline tick finds the batch completed and does nothing.
            LogDeadlineKept(logger, exception, _batchId);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Batch {BatchId} registered with {Slots} slots, deadline {Deadline}")]
    private static partial void LogRegistered(ILogger logger, string batchId, int slots, DateTimeOffset deadline);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Batch {BatchId} timed out with {Assigned} of {Wanted} essays")]
    private static partial void LogTimedOut(ILogger logger, string batchId, int assigned, int wanted);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Batch {BatchId} completed but its deadline reminder could not be removed")]
    private static partial void LogDeadlineKept(ILogger logger, Exception exception, string batchId);
}
