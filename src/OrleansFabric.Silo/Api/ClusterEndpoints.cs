using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/cluster</c>: silos and partition owners (any valid key when keys are configured).</summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/cluster").MapGet("/", async (IClusterView view, CancellationToken cancellationToken) =>
            TypedResults.Ok(ToResponse(await view.GetSnapshotAsync(cancellationToken))));
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
