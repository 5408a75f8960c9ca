namespace OrleansFabric.Sessions;

/// <summary>A session as <c>GET /v1/sessions/{key}</c> reports it.</summary>
/// <param name="SessionKey">The session key.</param>
/// <param name="Strategy">queue, aggregate, supersede or reject.</param>
/// <param name="Status">idle, accumulating or running.</param>
/// <param name="PendingMessageIds">Accepted messages not yet answered, in order.</param>
/// <param name="TurnsCompleted">Turns completed so far.</param>
/// <param name="ETag">The state's ETag.</param>
/// <param name="Delivery">Where webhook delivery of the completed turns stands.</param>
[GenerateSerializer]
[Alias("session-view")]
public sealed record SessionView(
    string SessionKey,
    string Strategy,
    string Status,
    IReadOnlyList<string> PendingMessageIds,
    long TurnsCompleted,
    string? ETag,
    WebhookDeliveryStatus Delivery);
