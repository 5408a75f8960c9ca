namespace OrleansFabric.Sessions;

/// <summary>How a turn's brain call ended.</summary>
/// <param name="Text">The answer, when the brain answered.</param>
/// <param name="Error">Why it failed after its retries, when it failed.</param>
/// <param name="Cancelled">True when the turn was cancelled (a supersede, or the activation ending).</param>
/// <param name="Effects">What the brain's non-cancellable sections returned, in order (empty or null: none ran).</param>
[GenerateSerializer]
[Alias("brain-outcome")]
public sealed record BrainOutcome(string? Text, string? Error, bool Cancelled, IReadOnlyList<string>? Effects = null);
