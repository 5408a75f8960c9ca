namespace OrleansFabric.Cli.Api;

/// <summary><c>POST /v1/batches/{id}/content</c>.</summary>
internal sealed record ContentRequest(string TextStorageId, string OriginalFileName);
