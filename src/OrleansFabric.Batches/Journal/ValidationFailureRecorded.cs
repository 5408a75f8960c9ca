namespace OrleansFabric.Batches.Journal;

/// <summary>A batch's journal entry: an essay failed validation and will not arrive.</summary>
[GenerateSerializer]
[Alias("batch-validation-failure-recorded")]
public sealed record ValidationFailureRecorded(RecordedValidationFailure Failure);
