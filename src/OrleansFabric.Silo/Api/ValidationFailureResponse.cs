namespace OrleansFabric.Silo.Api;

/// <summary>The 200 answer to <c>POST /v1/batches/{batch_id}/validation-failures</c>.</summary>
/// <param name="Recorded">True when recorded now; false when the same failure id was recorded before.</param>
public sealed record ValidationFailureResponse(bool Recorded);
