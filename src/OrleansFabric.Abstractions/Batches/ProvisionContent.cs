namespace OrleansFabric.Batches;

/// <summary>Content provisioned for a batch.</summary>
/// <param name="TextStorageId">The content's id; the same id always maps to the same slot.</param>
/// <param name="OriginalFileName">The uploaded file's name.</param>
[GenerateSerializer]
[Alias("provision-content")]
public sealed record ProvisionContent(string TextStorageId, string? OriginalFileName);
