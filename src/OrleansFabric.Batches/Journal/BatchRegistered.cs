namespace OrleansFabric.Batches.Journal;

/// <summary>A batch's journal entry: it was registered with these slots, timeout and metadata at <paramref name="CreatedAt"/>.</summary>
[GenerateSerializer]
[Alias("batch-registered")]
public sealed record BatchRegistered(IReadOnlyList<string> ExpectedEssayIds, int TimeoutSeconds, string? Metadata, DateTimeOffset CreatedAt, DateTimeOffset Deadline);
