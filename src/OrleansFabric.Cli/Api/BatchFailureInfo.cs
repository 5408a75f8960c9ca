namespace OrleansFabric.Cli.Api;

/// <summary>A validation failure of <see cref="BatchInfo"/>.</summary>
internal sealed record BatchFailureInfo(string FailureId, string? FileName, string? ErrorCode, string? Message);
