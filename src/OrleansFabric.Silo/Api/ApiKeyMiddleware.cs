namespace OrleansFabric.Silo.Api;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;key&gt;</c> on every <c>/v1</c> request when keys are
/// configured (401 <c>unauthorized</c> otherwise) and makes the caller available to endpoints.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
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
        var caller = header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? keys.Authenticate(header[BearerPrefix.Length..].Trim())
            : null;
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.WriteAsync(
                context,
                ErrorCodes.Unauthorized,
                header.Length == 0 ? "Send an API key as 'Authorization: Bearer <key>'." : "The API key is not known.");
        }

        context.Features.Set(caller);
        return next(context);
    }
}
