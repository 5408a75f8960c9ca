namespace OrleansFabric.Silo.Api;

/// <summary>Content assigned to a slot, in <see cref="BatchStatusResponse"/>.</summary>
/// <param name="EssayId">The slot.</param>
/// <param name="TextStorageId">The content.</param>
/// <param name="OriginalFileName">The uploaded file's name, if given.</param>
/// <param name="AssignedAt">When the content took the slot (UTC).</param>
public sealed record BatchAssignmentResponse(string EssayId, string TextStorageId, string? OriginalFileName, DateTime AssignedAt);
