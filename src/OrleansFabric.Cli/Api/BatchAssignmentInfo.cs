namespace OrleansFabric.Cli.Api;

/// <summary>A filled slot of <see cref="BatchInfo"/>.</summary>
internal sealed record BatchAssignmentInfo(string EssayId, string TextStorageId, string? OriginalFileName, DateTimeOffset AssignedAt);
