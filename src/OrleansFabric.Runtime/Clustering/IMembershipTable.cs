using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>The cluster's membership rows: one per silo, with a heartbeat on the database clock.</summary>
public interface IMembershipTable
{
    /// <summary>Inserts or replaces this silo's row (status, endpoint, start time; heartbeat = now).</summary>
    Task RegisterAsync(string siloId, string endpoint, SiloStatus status, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>Sets the heartbeat to the database's now and records status and activation count.</summary>
    Task HeartbeatAsync(string siloId, SiloStatus status, int activations, CancellationToken cancellationToken);

    /// <summary>Reads every row, with the age of each heartbeat measured on the database clock.</summary>
    Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the rows of silos whose heartbeat is older than <paramref name="olderThan"/> (housekeeping).</summary>
    Task<int> RemoveStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}

/// <summary>One membership row.</summary>
/// <param name="SiloId">The silo id.</param>
/// <param name="Endpoint">Its silo-to-silo address (host:port).</param>
/// <param name="Status">The status it last reported.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="HeartbeatAt">Its last heartbeat (database clock).</param>
/// <param name="HeartbeatAge">Database now minus <paramref name="HeartbeatAt"/>.</param>
/// <param name="Activations">The activation count it last reported.</param>
public sealed record MembershipEntry(string SiloId, string Endpoint, SiloStatus Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, TimeSpan HeartbeatAge, int Activations);
