using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>GET /v1/cluster</c>: silos and partition owners (any valid key when keys are configured);
/// <c>POST /v1/cluster/silos/{id}/drain</c>: that silo hands its partitions to the others and
/// takes no new ones (a <c>*</c> key). Any silo takes the request: one that is not the silo
/// named relays it over the silo port (authenticated by the cluster secret).
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

    /// <summary>Drains this silo, or relays the request over the silo port to the silo it names.</summary>
    private static async Task<IResult> DrainAsync(HttpContext context, string id, SiloState silo, IClusterView view, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!context.Caller().IsAdministrator)
        {
            return Problems.For(ErrorCodes.Forbidden, "Draining a silo needs an API key with '*'.");
        }

        if (id != silo.SiloId)
        {
            var snapshot = await view.GetSnapshotAsync(cancellationToken);
            var target = snapshot.Silos.FirstOrDefault(other => other.Id == id);
            if (target is null || target.Status == SiloStatus.Dead)
            {
                return Problems.For(ErrorCodes.NotFound, $"There is no live silo '{id}' in the cluster.");
            }

            // Only clustered silos have a transport; a lone silo never lists another.
            var transport = services.GetRequiredService<ISiloTransport>();
            if (!await transport.RequestDrainAsync(target.Endpoint, cancellationToken))
            {
                return Problems.For(ErrorCodes.Unavailable, $"Silo '{id}' at {target.Endpoint} could not be reached to drain it; try again.");
            }
        }
        else
        {
            silo.RequestDrain();
        }

        return TypedResults.Accepted("/v1/cluster", new DrainResponse(id, "draining"));
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
