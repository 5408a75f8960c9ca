using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>GET /v1/cluster</c>: silos and partition owners (any valid key when keys are configured);
/// <c>POST /v1/cluster/silos/{id}/drain</c>: that silo hands its partitions to the others and
/// takes no new ones (a <c>*</c> key). A silo drains only itself: the request goes to the
/// public address of the silo to drain, and another silo answers 421 <c>not_this_silo</c>.
/// </summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster");
        cluster.MapGet("/", async (IClusterView view, CancellationToken cancellationToken) =>
            TypedResults.Ok(ToResponse(await view.GetSnapshotAsync(cancellationToken))));
        cluster.MapPost("/silos/{id}/drain", DrainAsync);
    }

    private static async Task<IResult> DrainAsync(HttpContext context, string id, SiloState silo, IClusterView view, CancellationToken cancellationToken)
    {
        if (!context.Caller().IsAdministrator)
        {
            return Problems.For(ErrorCodes.Forbidden, "Draining a silo needs an API key with '*'.");
        }

        if (id != silo.SiloId)
        {
            var snapshot = await view.GetSnapshotAsync(cancellationToken);
            return snapshot.Silos.Any(other => other.Id == id)
                ? Problems.For(ErrorCodes.NotThisSilo, $"This is silo '{silo.SiloId}'; send the drain of '{id}' to that silo's public address.")
                : Problems.For(ErrorCodes.NotFound, $"There is no silo '{id}' in the cluster.");
        }

        silo.RequestDrain();
        return TypedResults.Accepted("/v1/cluster", new DrainResponse(silo.SiloId, "draining"));
    }

    /// <summary>A cluster snapshot as API.md shows it (also part of the dashboard's data).</summary>
    internal static ClusterResponse ToResponse(ClusterSnapshot snapshot) => new(
        snapshot.PartitionCount,
        [.. snapshot.Silos.Select(silo => new ClusterSilo(silo.Id, silo.Endpoint, StatusName(silo.Status), silo.HeartbeatAt.UtcDateTime, silo.PartitionsOwned, silo.Activations))],
        [.. snapshot.Partitions.Select(partition => new ClusterPartition(partition.Partition, partition.Owner, partition.Epoch))]);

    /// <summary>API.md's lower-case status names.</summary>
    internal static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.Joining => "joining",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting_down",
        _ => "dead",
    };
}
