namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// The unanswered messages of the sessions active on the silo that share a tenant, channel and
/// strategy (<c>fabric_session_queue_depth</c>, <c>fabric_session_oldest_pending_seconds</c>).
/// </summary>
/// <param name="Tenant">The tenant id.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Strategy">The channel's turn strategy.</param>
/// <param name="Depth">Unanswered messages.</param>
/// <param name="OldestPendingSeconds">Age of the oldest of them, or null when unknown.</param>
public sealed record SessionQueueDepth(string Tenant, string Channel, string Strategy, long Depth, double? OldestPendingSeconds);
