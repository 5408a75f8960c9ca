using Orleans.Runtime;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>/health/live</c> (200 while the process serves HTTP) and <c>/health/ready</c> (200 when
/// the silo is Active in the cluster; otherwise 503 <c>unavailable</c> with Retry-After, so a
/// load balancer sends traffic elsewhere).
/// </summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan s_retryAfter = TimeSpan.FromSeconds(1);

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health");
        health.MapGet("/live", (ILocalSiloDetails local) => TypedResults.Ok(new HealthResponse("live", local.SiloAddress.ToParsableString())));
        health.MapGet("/ready", (ILocalSiloDetails local, IClusterMembershipService membership, IHostApplicationLifetime lifetime) =>
        {
            var status = lifetime.ApplicationStopping.IsCancellationRequested ? SiloStatus.ShuttingDown : membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return status == SiloStatus.Active
                ? TypedResults.Ok(new HealthResponse("ready", local.SiloAddress.ToParsableString()))
                : Problems.For(ErrorCodes.Unavailable, $"The silo is {Cluster.ClusterView.StatusName(status)}, not active.", s_retryAfter);
        });
    }
}
