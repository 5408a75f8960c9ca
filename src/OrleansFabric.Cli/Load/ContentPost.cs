namespace OrleansFabric.Cli.Load;

/// <summary>One planned content post of <c>load batches</c>: the batch (by index), the content and whether it resends content.</summary>
internal sealed record ContentPost(int Batch, string TextStorageId, bool Duplicate);
