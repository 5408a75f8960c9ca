namespace OrleansFabric.Silo.Api;

/// <summary>One silo in <see cref="ClusterResponse"/>.</summary>
/// <param name="Id">The silo id (Orleans' silo address, <c>ip:port@generation</c>).</param>
/// <param name="Address">Its silo-to-silo endpoint.</param>
/// <param name="Gateway">Its gateway endpoint for grain clients, when it has one.</param>
/// <param name="Status"><c>joining</c>, <c>active</c>, <c>shutting_down</c> or <c>dead</c>.</param>
/// <param name="StartedAt">When it started (UTC).</param>
/// <param name="HeartbeatAt">Its last I-am-alive write (UTC).</param>
/// <param name="Activations">How many activations it hosts (0 when it does not answer).</param>
public sealed record ClusterSilo(string Id, string Address, string? Gateway, string Status, DateTime StartedAt, DateTime HeartbeatAt, int Activations);
