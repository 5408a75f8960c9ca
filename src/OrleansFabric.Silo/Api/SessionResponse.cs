namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/sessions/{session_key}</c>.</summary>
/// <param name="SessionKey">The session key.</param>
/// <param name="Strategy"><c>queue</c>, <c>aggregate</c>, <c>supersede</c> or <c>reject</c>.</param>
/// <param name="Status"><c>idle</c>, <c>accumulating</c> or <c>running</c>.</param>
/// <param name="PendingMessageIds">Accepted messages not yet answered, in order.</param>
/// <param name="TurnsCompleted">Turns completed so far.</param>
/// <param name="Etag">The state's ETag.</param>
/// <param name="Delivery">Where webhook delivery of the completed turns stands.</param>
public sealed record SessionResponse(
    string SessionKey,
    string Strategy,
    string Status,
    IReadOnlyList<string> PendingMessageIds,
    long TurnsCompleted,
    string? Etag,
    DeliveryResponse Delivery);
