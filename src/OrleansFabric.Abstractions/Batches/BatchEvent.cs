namespace OrleansFabric.Batches;

/// <summary>A batch event; a batch has exactly one terminal event, ever.</summary>
/// <param name="Seq">1, 2, … in order.</param>
/// <param name="Type"><c>BatchEssaysReady</c> or <c>BatchTimedOut</c>.</param>
/// <param name="At">When it happened.</param>
/// <param name="Payload">The assignments (and, on timeout, the missing slots), as JSON text.</param>
[GenerateSerializer]
[Alias("batch-event")]
public sealed record BatchEvent(long Seq, string Type, DateTimeOffset At, string Payload)
{
    /// <summary>Every expected essay is assigned or failed validation.</summary>
    public const string EssaysReady = "BatchEssaysReady";

    /// <summary>The deadline passed before that.</summary>
    public const string TimedOut = "BatchTimedOut";
}
