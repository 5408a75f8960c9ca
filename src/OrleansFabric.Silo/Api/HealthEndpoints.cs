using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>/health/live</c> (200 while the process serves HTTP) and <c>/health/ready</c> (200 when
/// the silo is Active and serving its leases; otherwise 503 <c>unavailable</c> with Retry-After,
/// so a load balancer sends traffic elsewhere).
/// </summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan s_retryAfter = TimeSpan.FromSeconds(1);

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health");
        health.MapGet("/live", (SiloState silo) => TypedResults.Ok(new HealthResponse("live", silo.SiloId)));
        health.MapGet("/ready", (SiloState silo) => silo.IsReady
            ? TypedResults.Ok(new HealthResponse("ready", silo.SiloId))
            : Problems.For(
                ErrorCodes.Unavailable,
                silo.Status == SiloStatus.Active
                    ? "The silo cannot renew its partition leases."
                    : $"The silo is {ClusterEndpoints.StatusName(silo.Status)}, not active.",
                s_retryAfter));
    }
}
