namespace OrleansFabric.Sessions;

/// <summary>The outcome of submitting a message.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="QueueDepth">Unprocessed messages in the session after this one.</param>
[GenerateSerializer]
[Alias("submit-result")]
public sealed record SubmitResult(SubmitOutcome Outcome, int QueueDepth);
