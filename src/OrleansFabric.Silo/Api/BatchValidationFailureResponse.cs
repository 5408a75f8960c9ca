namespace OrleansFabric.Silo.Api;

/// <summary>A recorded validation failure, in <see cref="BatchStatusResponse"/>.</summary>
/// <param name="FailureId">The failure's id.</param>
/// <param name="FileName">The rejected file, if given.</param>
/// <param name="ErrorCode">Why it was rejected, if given.</param>
/// <param name="Message">A description, if given.</param>
/// <param name="RecordedAt">When it was recorded (UTC).</param>
public sealed record BatchValidationFailureResponse(string FailureId, string? FileName, string? ErrorCode, string? Message, DateTime RecordedAt);
