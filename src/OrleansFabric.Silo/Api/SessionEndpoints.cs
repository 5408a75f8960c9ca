using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OrleansFabric.Hosting;
using OrleansFabric.Sessions;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>GET</c> and <c>DELETE /v1/sessions/{session_key}</c> and <c>GET .../turns</c> (with
/// long-polling). The key is percent-encoded in the URL; a malformed key is 400, a key of
/// another tenant 403 (before anything is read), a session that never received a message 404.
/// </summary>
internal static class SessionEndpoints
{
    /// <summary>The longest long-poll, in seconds.</summary>
    internal const int MaxWaitSeconds = 30;

    public static void MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/v1/sessions/{session_key}");
        session.MapGet("/", GetAsync);
        session.MapGet("/turns", GetTurnsAsync);
        session.MapDelete("/", DeleteAsync);
    }

    /// <summary>The URL of a session.</summary>
    internal static string Location(string sessionKey) => "/v1/sessions/" + Uri.EscapeDataString(sessionKey);

    private static async Task<IResult> GetAsync(
        HttpContext context,
        [FromRoute(Name = "session_key")] string sessionKey,
        GrainReferences<ISessionGrain> sessions,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, sessionKey, out var key, out var problem))
        {
            return problem;
        }

        var view = await sessions.Get(key).GetAsync(cancellationToken);
        return view is null
            ? NotFound(key)
            : TypedResults.Ok(new SessionResponse(
                view.SessionKey,
                view.Strategy,
                view.Status,
                view.PendingMessageIds,
                view.TurnsCompleted,
                view.ETag,
                DeliveryResponse.From(view.Delivery)));
    }

    private static async Task<IResult> GetTurnsAsync(
        HttpContext context,
        [FromRoute(Name = "session_key")] string sessionKey,
        TurnLongPoll turns,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, sessionKey, out var key, out var problem))
        {
            return problem;
        }

        var invalidAfter = ReadQuery(context.Request, "after", 0, long.MaxValue, 0, out var after);
        var invalidWait = ReadQuery(context.Request, "wait_seconds", 0, MaxWaitSeconds, 0, out var waitSeconds);
        if ((invalidAfter ?? invalidWait) is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        var records = await turns.ReadAsync(key, after, TimeSpan.FromSeconds(waitSeconds), cancellationToken);
        return records is null
            ? NotFound(key)
            : TypedResults.Ok<IReadOnlyList<TurnResponse>>([.. records.Select(ToResponse)]);
    }

    private static async Task<IResult> DeleteAsync(
        HttpContext context,
        [FromRoute(Name = "session_key")] string sessionKey,
        GrainReferences<ISessionGrain> sessions,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, sessionKey, out var key, out var problem))
        {
            return problem;
        }

        var session = sessions.Get(key);
        if (await session.GetAsync(cancellationToken) is null)
        {
            return NotFound(key);
        }

        await session.DeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The session key of the URL, when it is well formed and the caller may use its tenant.</summary>
    private static bool TryResolve(
        HttpContext context,
        string routeValue,
        [NotNullWhen(true)] out string? sessionKey,
        [NotNullWhen(false)] out IResult? problem)
    {
        sessionKey = RouteIds.Read(context, "sessions", routeValue);
        if (!SessionKey.TryParse(sessionKey, out var key)
            || (RequestRules.CheckId("session_key", key.TenantId)
                ?? RequestRules.CheckId("session_key", key.AgentId)
                ?? RequestRules.CheckId("session_key", key.InterlocutorId)
                ?? RequestRules.CheckId("session_key", key.Channel)) is not null)
        {
            problem = Problems.Validation(
                "Path parameter 'session_key' must be tenant_id:agent_id:interlocutor_id:channel, each part 1-200 characters " +
                "without control characters, percent-encoded in the URL.");
            sessionKey = null;
            return false;
        }

        if (!context.Caller().CanAccessTenant(key.TenantId))
        {
            problem = Problems.For(ErrorCodes.Forbidden, $"The API key does not cover tenant '{key.TenantId}'.");
            sessionKey = null;
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>Reads an optional whole-number query parameter; the problem detail naming it, or null.</summary>
    private static string? ReadQuery(HttpRequest request, string name, long min, long max, long fallback, out long value)
    {
        value = fallback;
        var values = request.Query[name];
        if (values.Count == 0)
        {
            return null;
        }

        return values.Count == 1
            && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value >= min
            && value <= max
            ? null
            : $"Query parameter '{name}' must be given once, as a whole number from {min} to {max}.";
    }

    private static IResult NotFound(string sessionKey) =>
        Problems.For(ErrorCodes.SessionNotFound, $"Session '{sessionKey}' has never received a message (or was deleted).");

    private static TurnResponse ToResponse(TurnRecord turn) => new(
        turn.TurnId,
        turn.Seq,
        turn.Status,
        turn.MessageIds,
        turn.Status == TurnRecord.Completed && turn.ResponseText is { } text ? new TurnResponseText(text) : null,
        turn.Status == TurnRecord.Failed ? turn.Error ?? "The brain failed." : null,
        turn.StartedAt.UtcDateTime,
        turn.CompletedAt.UtcDateTime,
        turn.Effects is { Count: > 0 } effects ? effects : null);
}
