namespace OrleansFabric.Silo.Api;

/// <summary><c>POST /v1/batches/{batch_id}/content</c>.</summary>
/// <param name="TextStorageId">The content's id; the same id always gets the same slot.</param>
/// <param name="OriginalFileName">Optional name of the uploaded file.</param>
public sealed record ProvisionContentRequest(string TextStorageId, string? OriginalFileName = null);
