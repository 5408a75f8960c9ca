namespace OrleansFabric.Cli.Api;

/// <summary>One turn of <c>GET /v1/sessions/{key}/turns</c>.</summary>
internal sealed record TurnInfo(
    string TurnId,
    long Seq,
    string Status,
    IReadOnlyList<string> MessageIds,
    TurnText? Response,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt);
