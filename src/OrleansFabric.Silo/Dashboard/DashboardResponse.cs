using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// <c>GET /v1/dashboard</c>: the cluster as <c>GET /v1/cluster</c> shows it, and this silo's
/// activations, session queues, turn latency and batch progress, summarised from the same
/// measurements <c>/metrics</c> exports.
/// </summary>
/// <param name="SiloId">The silo that answered; the per-silo figures are its own.</param>
/// <param name="GeneratedAt">When the summary was made (UTC, the silo's clock).</param>
/// <param name="Cluster">Silos and partition owners.</param>
/// <param name="Activations">Live activations on this silo, by grain type.</param>
/// <param name="SessionQueues">Unanswered messages of the sessions active on this silo, by tenant, channel and strategy.</param>
/// <param name="Turns">Turns ended on this silo and their latency.</param>
/// <param name="Batches">Batches active on this silo and their slots, one entry per status.</param>
public sealed record DashboardResponse(
    string SiloId,
    DateTime GeneratedAt,
    ClusterResponse Cluster,
    IReadOnlyList<GrainTypeActivations> Activations,
    IReadOnlyList<SessionQueueDepth> SessionQueues,
    TurnSummary Turns,
    IReadOnlyList<BatchProgress> Batches);
