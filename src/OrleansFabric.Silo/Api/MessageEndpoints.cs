using System.Text.Json;
using OrleansFabric.Hosting;
using OrleansFabric.Sessions;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>POST /v1/messages</c>: validates the whole message, checks the key covers its tenant, then
/// hands it to its session grain and answers 202 once it is durable (or 429 <c>queue_full</c>,
/// 409 <c>session_busy</c>). A refused request reaches no grain, so it changes nothing.
/// </summary>
internal static class MessageEndpoints
{
    /// <summary>When a client told <c>queue_full</c> should try again: a turn usually frees a place by then.</summary>
    internal static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromSeconds(1);

    public static void MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        // Resolved once: taking it from the request's services would create a service scope
        // for every message, and nothing else on this path needs one.
        var sessions = app.ServiceProvider.GetRequiredService<GrainReferences<ISessionGrain>>();
        app.MapGroup("/v1/messages").MapPost("/", (HttpContext context, CancellationToken cancellationToken) => PostAsync(context, sessions, cancellationToken));
    }

    private static async Task<IResult> PostAsync(HttpContext context, GrainReferences<ISessionGrain> sessions, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, ApiJsonContext.Default.PostMessageRequest, cancellationToken);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var request = body.Value;
        if (Validate(request, out var sentAt) is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        if (!context.Caller().CanAccessTenant(request.TenantId))
        {
            return Problems.For(ErrorCodes.Forbidden, $"The API key does not cover tenant '{request.TenantId}'.");
        }

        var sessionKey = new SessionKey(request.TenantId, request.AgentId, request.InterlocutorId, request.Channel).ToString();
        // The request's trace travels with the message, not in Orleans' request context: a field
        // costs nothing, where the context is a dictionary copied and restored on every call.
        var message = new IncomingMessage(
            request.MessageId,
            request.Text,
            sentAt,
            request.Metadata is { ValueKind: System.Text.Json.JsonValueKind.Object } metadata ? metadata.GetRawText() : null,
            RequestTrace.TraceParent());
        var result = await sessions.Get(sessionKey).SubmitAsync(message, cancellationToken);
        return result.Outcome switch
        {
            SubmitOutcome.Accepted or SubmitOutcome.Duplicate => new AcceptedResult(
                SessionEndpoints.Location(sessionKey),
                new PostMessageResponse(sessionKey, request.MessageId, result.Outcome == SubmitOutcome.Accepted ? "accepted" : "duplicate", result.QueueDepth)),
            SubmitOutcome.QueueFull => Problems.For(
                ErrorCodes.QueueFull,
                $"Session '{sessionKey}' already holds {result.QueueDepth} unprocessed messages; retry later.",
                QueueFullRetryAfter),
            SubmitOutcome.Busy => Problems.For(
                ErrorCodes.SessionBusy,
                $"Session '{sessionKey}' is running a turn and its channel's strategy is 'reject'; send the message after the turn."),
            _ => throw new InvalidOperationException($"Unknown submit outcome {result.Outcome}."),
        };
    }

    /// <summary>The first problem with the message, naming its field, or null.</summary>
    private static string? Validate(PostMessageRequest request, out DateTimeOffset? sentAt)
    {
        sentAt = null;
        return RequestRules.CheckId("message_id", request.MessageId)
            ?? CheckKeyPart("tenant_id", request.TenantId)
            ?? CheckKeyPart("agent_id", request.AgentId)
            ?? RequestRules.CheckId("interlocutor_id", request.InterlocutorId)
            ?? CheckKeyPart("channel", request.Channel)
            ?? RequestRules.CheckText("text", request.Text)
            ?? RequestRules.CheckOptionalTime("sent_at", request.SentAt, out sentAt)
            ?? RequestRules.CheckOptionalObject("metadata", request.Metadata);
    }

    /// <summary>
    /// Tenant, agent and channel are the fixed-position parts of the session key, so a colon in
    /// them would make two different sessions share a key (the interlocutor may hold colons).
    /// </summary>
    private static string? CheckKeyPart(string field, string value) =>
        RequestRules.CheckId(field, value)
        ?? (value.Contains(':', StringComparison.Ordinal)
            ? $"Field '{field}' must not contain ':' (it separates the parts of the session key tenant_id:agent_id:interlocutor_id:channel)."
            : null);

    /// <summary>
    /// The 202: its small body serialized at once and written with its length (no chunked
    /// framing, no asynchronous serializer), since every accepted message is answered with it.
    /// </summary>
    private sealed class AcceptedResult(string location, PostMessageResponse body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(body, ApiJsonContext.Default.PostMessageResponse);
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status202Accepted;
            response.Headers.Location = location;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = json.Length;
            return response.Body.WriteAsync(json, 0, json.Length, httpContext.RequestAborted);
        }
    }
}
