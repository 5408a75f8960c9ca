namespace OrleansFabric.Silo.Api;

/// <summary>The 202 answer to <c>POST /v1/messages</c>.</summary>
/// <param name="SessionKey">The session the message went to.</param>
/// <param name="MessageId">The message's id.</param>
/// <param name="Status"><c>accepted</c>, or <c>duplicate</c> when the id was accepted before.</param>
/// <param name="QueueDepth">Unprocessed messages in the session now.</param>
public sealed record PostMessageResponse(string SessionKey, string MessageId, string Status, int QueueDepth);
