namespace OrleansFabric.Batches;

/// <summary>A batch's state as <c>GET /v1/batches/{id}</c> reports it.</summary>
[GenerateSerializer]
[Alias("batch-status")]
public sealed record BatchStatus(
    string BatchId,
    BatchPhase Status,
    int ExpectedCount,
    int AssignedCount,
    IReadOnlyList<SlotAssignment> Assignments,
    IReadOnlyList<string> MissingSlots,
    IReadOnlyList<RecordedValidationFailure> ValidationFailures,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? CompletedAt,
    string? Metadata,
    WebhookDeliveryStatus Delivery);

/// <summary>Where a batch is in its life.</summary>
[GenerateSerializer]
[Alias("batch-phase")]
public enum BatchPhase
{
    /// <summary>Waiting for content.</summary>
    Collecting,

    /// <summary>Every expected essay is assigned or failed validation.</summary>
    Completed,

    /// <summary>The deadline passed first.</summary>
    TimedOut,
}

/// <summary>Content assigned to a slot.</summary>
[GenerateSerializer]
[Alias("slot-assignment")]
public sealed record SlotAssignment(string EssayId, string TextStorageId, string? OriginalFileName, DateTimeOffset AssignedAt);

/// <summary>A recorded validation failure.</summary>
[GenerateSerializer]
[Alias("recorded-validation-failure")]
public sealed record RecordedValidationFailure(string FailureId, string? FileName, string? ErrorCode, string? Message, DateTimeOffset RecordedAt);
