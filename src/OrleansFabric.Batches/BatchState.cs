using OrleansFabric.Batches.Journal;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Hosting.Persistence;

namespace OrleansFabric.Batches;

/// <summary>
/// The persisted state of one batch. Its size is proportional to the number of slots (one
/// assignment or failure per slot, one terminal event), never to traffic: repeated
/// provisioning and repeated failure ids change nothing. Every change is a journal entry, so
/// with the fabric's storage an assignment's write appends that assignment alone.
/// </summary>
[GenerateSerializer]
[Alias("batch-state")]
public sealed class BatchState : JournaledState
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

    /// <summary>Registers the batch.</summary>
    public void Register(BatchDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Record(new BatchRegistered([.. definition.ExpectedEssayIds], definition.TimeoutSeconds, definition.Metadata, now, now + TimeSpan.FromSeconds(definition.TimeoutSeconds)));
    }

    /// <summary>Gives the next slot to <paramref name="assignment"/>.</summary>
    public void Assign(SlotAssignment assignment) => Record(new ContentAssigned(assignment));

    /// <summary>Records a validation failure.</summary>
    public void RecordFailure(RecordedValidationFailure failure) => Record(new ValidationFailureRecorded(failure));

    /// <summary>Ends the batch (<see cref="BatchPhase.Completed"/> or <see cref="BatchPhase.TimedOut"/>) with its terminal event.</summary>
    public void End(BatchPhase phase, DateTimeOffset at, BatchEvent terminal) => Record(new BatchEnded(phase, at, terminal));

    /// <summary>Changes the webhook outbox.</summary>
    public void ChangeOutbox(OutboxChange change) => Record(change);

    /// <inheritdoc/>
    protected override void Apply(object entry)
    {
        switch (entry)
        {
            case BatchRegistered registered:
                Registered = true;
                ExpectedEssayIds = [.. registered.ExpectedEssayIds];
                TimeoutSeconds = registered.TimeoutSeconds;
                Metadata = registered.Metadata;
                CreatedAt = registered.CreatedAt;
                Deadline = registered.Deadline;
                Phase = BatchPhase.Collecting;
                break;
            case ContentAssigned assigned:
                Assignments.Add(assigned.Assignment);
                break;
            case ValidationFailureRecorded recorded:
                ValidationFailures.Add(recorded.Failure);
                break;
            case BatchEnded ended:
                Phase = ended.Phase;
                CompletedAt = ended.At;
                Events.Add(ended.Event);
                break;
            case OutboxChange change:
                Outbox.Apply(change);
                break;
            default:
                throw new InvalidOperationException($"A batch state cannot apply {entry}.");
        }
    }
}
