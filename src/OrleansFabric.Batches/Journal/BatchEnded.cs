namespace OrleansFabric.Batches.Journal;

/// <summary>A batch's journal entry: it completed or timed out at <paramref name="At"/>, with its terminal <paramref name="Event"/>.</summary>
[GenerateSerializer]
[Alias("batch-ended")]
public sealed record BatchEnded(BatchPhase Phase, DateTimeOffset At, BatchEvent Event);
