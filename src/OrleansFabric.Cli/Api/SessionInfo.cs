namespace OrleansFabric.Cli.Api;

/// <summary><c>GET /v1/sessions/{key}</c>.</summary>
internal sealed record SessionInfo(
    string SessionKey,
    string Strategy,
    string Status,
    IReadOnlyList<string> PendingMessageIds,
    long TurnsCompleted,
    string? Etag,
    DeliveryInfo? Delivery);
