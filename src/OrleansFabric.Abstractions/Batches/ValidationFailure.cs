namespace OrleansFabric.Batches;

/// <summary>An essay that failed validation and will never arrive.</summary>
/// <param name="FailureId">The failure's id; a repeated id is recorded once.</param>
/// <param name="FileName">The rejected file.</param>
/// <param name="ErrorCode">Why it was rejected.</param>
/// <param name="Message">A description.</param>
[GenerateSerializer]
[Alias("validation-failure")]
public sealed record ValidationFailure(string FailureId, string? FileName, string? ErrorCode, string? Message);
