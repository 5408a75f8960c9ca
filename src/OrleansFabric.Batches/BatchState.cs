using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.Batches;

/// <summary>
/// The persisted state of one batch. Its size is proportional to the number of slots (one
/// assignment or failure per slot, one terminal event), never to traffic: repeated
/// provisioning and repeated failure ids change nothing.
/// </summary>
[GenerateSerializer]
[Alias("batch-state")]
public sealed class BatchState
{
    /// <summary>True once the batch was defined.</summary>
    [Id(0)]
    public bool Registered { get; set; }

    /// <summary>The slots, in assignment order.</summary>
    [Id(1)]
    public List<string> ExpectedEssayIds { get; set; } = [];

    /// <summary>Seconds from registration to the deadline.</summary>
    [Id(2)]
    public int TimeoutSeconds { get; set; }

    /// <summary>The registered metadata, as JSON text.</summary>
    [Id(3)]
    public string? Metadata { get; set; }

    /// <summary>When the batch was registered.</summary>
    [Id(4)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it times out unless completed first.</summary>
    [Id(5)]
    public DateTimeOffset Deadline { get; set; }

    /// <summary>Where the batch is in its life.</summary>
    [Id(6)]
    public BatchPhase Phase { get; set; }

    /// <summary>When it completed or timed out.</summary>
    [Id(7)]
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Assignments in slot order: assignment i holds slot i.</summary>
    [Id(8)]
    public List<SlotAssignment> Assignments { get; set; } = [];

    /// <summary>Recorded validation failures, in order.</summary>
    [Id(9)]
    public List<RecordedValidationFailure> ValidationFailures { get; set; } = [];

    /// <summary>The batch's events: at most one, its terminal event.</summary>
    [Id(10)]
    public List<BatchEvent> Events { get; set; } = [];

    /// <summary>The terminal event until the webhook acknowledged it, committed with it (a transactional outbox).</summary>
    [Id(11)]
    public WebhookOutboxState Outbox { get; set; } = new();
}
