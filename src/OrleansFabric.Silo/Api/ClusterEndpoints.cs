using OrleansFabric.Silo.Cluster;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>GET /v1/cluster</c>: the silos of Orleans' membership (any valid key when keys are
/// configured); <c>POST /v1/cluster/silos/{id}/drain</c>: that silo deactivates its grains, leaves
/// the cluster and exits 0 (a <c>*</c> key). Any silo takes the request and relays it to the silo
/// named through a grain placed there.
/// </summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster");
        cluster.MapGet("/", async (ClusterView view) => TypedResults.Ok(await view.GetAsync()));
        cluster.MapPost("/silos/{id}/drain", DrainAsync);
    }

    private static async Task<IResult> DrainAsync(HttpContext context, string id, ClusterView view, IGrainFactory grains)
    {
        if (!context.Caller().IsAdministrator)
        {
            return Problems.For(ErrorCodes.Forbidden, "Draining a silo needs an API key with '*'.");
        }

        var cluster = await view.GetAsync();
        var active = cluster.Silos.Where(silo => silo.Status == "active").ToList();
        if (!active.Any(silo => silo.Id == id))
        {
            return Problems.For(ErrorCodes.NotFound, $"There is no active silo '{id}' in the cluster.");
        }

        if (active.Count == 1)
        {
            return Problems.For(ErrorCodes.LastSilo, $"Silo '{id}' is the only active silo: its grains would have nowhere to go.");
        }

        await grains.GetGrain<ISiloControlGrain>(id).DrainAsync();
        return TypedResults.Accepted("/v1/cluster", new DrainResponse(id, "draining"));
    }
}
