using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary><c>/health/live</c> and <c>/health/ready</c>.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health");
        health.MapGet("/live", (SiloState silo) => TypedResults.Ok(new HealthResponse("live", silo.SiloId)));
        health.MapGet("/ready", (SiloState silo) => silo.IsReady
            ? Results.Ok(new HealthResponse("ready", silo.SiloId))
            : Problems.For(
                ErrorCodes.Unavailable,
                silo.Status == SiloStatus.Active ? "The silo cannot renew its partition leases." : $"The silo is {silo.Status.ToString().ToLowerInvariant()}.",
                TimeSpan.FromSeconds(1)));
    }
}
