namespace OrleansFabric.Cli.Api;

/// <summary>The 200 answer of <c>POST /v1/batches/{id}/content</c>: <c>assigned</c> or <c>already_assigned</c>.</summary>
internal sealed record ContentAssignment(string EssayId, string Outcome);
