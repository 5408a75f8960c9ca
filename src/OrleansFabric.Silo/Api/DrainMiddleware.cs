namespace OrleansFabric.Silo.Api;

/// <summary>
/// While the silo stops (SIGTERM or a drain), new API requests get 503 <c>unavailable</c> with
/// <c>Connection: close</c>: a client retries them on another silo, and its kept-alive
/// connections close now, not under a request when the server stops. Health and metrics keep
/// being served.
/// </summary>
internal sealed class DrainMiddleware(RequestDelegate next, IHostApplicationLifetime lifetime)
{
    public Task InvokeAsync(HttpContext context) =>
        !lifetime.ApplicationStopping.IsCancellationRequested
        || context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
        || context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal)
            ? next(context)
            : RefuseAsync(context);

    private static async Task RefuseAsync(HttpContext context)
    {
        // Read the body first: closing a connection with unread request bytes resets it, and
        // the client could not tell the 503 from a call lost in flight.
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        context.Response.Headers.Connection = "close";
        await Problems.WriteAsync(context, ErrorCodes.Unavailable, "This silo is shutting down; retry on another silo.", TimeSpan.FromSeconds(1));
    }
}
