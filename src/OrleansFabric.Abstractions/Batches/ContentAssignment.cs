namespace OrleansFabric.Batches;

/// <summary>The outcome of provisioning content.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="EssayId">The slot the content holds, when it holds one.</param>
[GenerateSerializer]
[Alias("content-assignment")]
public sealed record ContentAssignment(AssignmentOutcome Outcome, string? EssayId);

/// <summary>What happened to provisioned content.</summary>
[GenerateSerializer]
[Alias("assignment-outcome")]
public enum AssignmentOutcome
{
    /// <summary>The content took the next free slot.</summary>
    Assigned,

    /// <summary>The content already held a slot; nothing changed.</summary>
    AlreadyAssigned,

    /// <summary>No free slot is left (the batch is full, hence completed); HTTP 409 no_slot_available.</summary>
    NoSlotAvailable,

    /// <summary>The batch timed out; HTTP 409 batch_closed.</summary>
    BatchClosed,

    /// <summary>The batch was never registered; HTTP 404 batch_not_found.</summary>
    BatchNotFound,
}
