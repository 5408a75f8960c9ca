namespace OrleansFabric.Cli.Api;

/// <summary><c>GET /v1/sessions/{key}</c>; <see cref="UndeliveredTurns"/> is there only on silos that report delivery.</summary>
internal sealed record SessionInfo(
    string SessionKey,
    string Strategy,
    string Status,
    IReadOnlyList<string> PendingMessageIds,
    long TurnsCompleted,
    string? Etag,
    IReadOnlyList<long>? UndeliveredTurns);
