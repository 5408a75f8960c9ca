namespace OrleansFabric.Cli.Api;

/// <summary>An RFC 9457 problem+json body with the API's machine-readable <see cref="Code"/>.</summary>
internal sealed record ProblemInfo(string? Code, string? Title, int? Status, string? Detail);
