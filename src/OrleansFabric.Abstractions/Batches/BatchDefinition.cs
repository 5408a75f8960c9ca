namespace OrleansFabric.Batches;

/// <summary>What a batch expects: its essay slots, in assignment order, and its deadline.</summary>
/// <param name="ExpectedEssayIds">The slot ids, 1 to 10,000 of them, unique.</param>
/// <param name="TimeoutSeconds">Seconds from registration to the deadline (1 to 604,800).</param>
/// <param name="Metadata">Opaque data kept with the batch, as JSON text.</param>
[GenerateSerializer]
[Alias("batch-definition")]
public sealed record BatchDefinition(IReadOnlyList<string> ExpectedEssayIds, int TimeoutSeconds, string? Metadata)
{
    /// <summary>True when <paramref name="other"/> defines the same batch.</summary>
    public bool SameAs(BatchDefinition other) =>
        other is not null
        && TimeoutSeconds == other.TimeoutSeconds
        && ExpectedEssayIds.SequenceEqual(other.ExpectedEssayIds, StringComparer.Ordinal)
        && string.Equals(Metadata, other.Metadata, StringComparison.Ordinal);
}
