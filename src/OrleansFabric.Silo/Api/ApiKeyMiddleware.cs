namespace OrleansFabric.Silo.Api;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;key&gt;</c> on every <c>/v1</c> request when keys are
/// configured (401 <c>unauthorized</c> otherwise) and makes the caller available to endpoints
/// as the <see cref="ApiCaller"/> feature (<see cref="HttpContextCallerExtensions.Caller"/>).
/// </summary>
internal sealed partial class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys, ILogger<ApiKeyMiddleware> logger)
{
    private const string BearerPrefix = "Bearer ";

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            return next(context);
        }

        if (!keys.RequiresKeys)
        {
            context.Features.Set(ApiCaller.Anonymous);
            return next(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        var bearer = header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase);
        var caller = bearer ? keys.Authenticate(header.AsSpan(BearerPrefix.Length).Trim()) : null;
        if (caller is null)
        {
            LogRefused(logger, context.Request.Method, context.Request.Path, header.Length == 0 ? "no key" : bearer ? "unknown key" : "not a bearer token");
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.WriteAsync(
                context,
                ErrorCodes.Unauthorized,
                bearer ? "The API key is not known." : "Send an API key as 'Authorization: Bearer <key>'.");
        }

        context.Features.Set(caller);
        return next(context);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Refused {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string reason);
}
