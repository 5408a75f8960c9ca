using System.Text.Json;

namespace OrleansFabric.Silo.Api;

/// <summary><c>POST /v1/messages</c>: a user message from a gateway.</summary>
/// <param name="MessageId">The gateway's id; the same id again for the same session is accepted once.</param>
/// <param name="TenantId">The tenant (no <c>:</c>, it separates the parts of the session key).</param>
/// <param name="AgentId">The agent (no <c>:</c>).</param>
/// <param name="InterlocutorId">The user the agent talks to (may contain <c>:</c>).</param>
/// <param name="Channel">The channel, which chooses the strategy (no <c>:</c>).</param>
/// <param name="Text">The text, at most 32 KiB.</param>
/// <param name="SentAt">Optional RFC 3339 time the user sent it.</param>
/// <param name="Metadata">Optional JSON object kept with the message.</param>
public sealed record PostMessageRequest(
    string MessageId,
    string TenantId,
    string AgentId,
    string InterlocutorId,
    string Channel,
    string Text,
    string? SentAt = null,
    JsonElement? Metadata = null);
