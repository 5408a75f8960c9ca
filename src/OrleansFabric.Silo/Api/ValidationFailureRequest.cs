namespace OrleansFabric.Silo.Api;

/// <summary><c>POST /v1/batches/{batch_id}/validation-failures</c>: an essay that will never arrive.</summary>
/// <param name="FailureId">The failure's id (required); a repeated id is recorded once.</param>
/// <param name="FileName">Optional name of the rejected file.</param>
/// <param name="ErrorCode">Optional reason code.</param>
/// <param name="Message">Optional description.</param>
public sealed record ValidationFailureRequest(string FailureId, string? FileName = null, string? ErrorCode = null, string? Message = null);
