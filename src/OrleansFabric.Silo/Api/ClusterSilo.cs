namespace OrleansFabric.Silo.Api;

/// <summary>One silo in <see cref="ClusterResponse"/>.</summary>
/// <param name="Id">The silo id.</param>
/// <param name="Endpoint">Where it is reached.</param>
/// <param name="Status"><c>joining</c>, <c>active</c>, <c>shutting_down</c> or <c>dead</c>.</param>
/// <param name="HeartbeatAt">Its last heartbeat (UTC).</param>
/// <param name="PartitionsOwned">How many partitions it holds.</param>
/// <param name="Activations">How many activations it hosts.</param>
public sealed record ClusterSilo(string Id, string Endpoint, string Status, DateTime HeartbeatAt, int PartitionsOwned, int Activations);
