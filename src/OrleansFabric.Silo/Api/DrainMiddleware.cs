using Microsoft.Extensions.Options;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// While the silo drains before stopping, new requests on the public port get 503
/// <c>unavailable</c> with <c>Connection: close</c>: a client retries them on another silo,
/// and its kept-alive connections close now, not under a request when the server stops.
/// Liveness, metrics and silo-to-silo calls keep being served.
/// </summary>
internal sealed class DrainMiddleware(RequestDelegate next, SiloState silo, IOptions<ClusteringOptions> clustering)
{
    private readonly int _siloPort = clustering.Value.IsCluster ? clustering.Value.SiloPort : -1;

    public Task InvokeAsync(HttpContext context) =>
        silo.Status != SiloStatus.ShuttingDown
        || context.Connection.LocalPort == _siloPort
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
