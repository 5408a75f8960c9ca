namespace OrleansFabric.Batches.Journal;

/// <summary>A batch's journal entry: content took the next slot.</summary>
[GenerateSerializer]
[Alias("batch-content-assigned")]
public sealed record ContentAssigned(SlotAssignment Assignment);
