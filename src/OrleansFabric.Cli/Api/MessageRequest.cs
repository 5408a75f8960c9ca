namespace OrleansFabric.Cli.Api;

/// <summary><c>POST /v1/messages</c>.</summary>
internal sealed record MessageRequest(string MessageId, string TenantId, string AgentId, string InterlocutorId, string Channel, string Text);
