namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// Partition leases: one row per partition with its owner, an epoch incremented at every
/// change of owner, and an expiry on the database clock. Ownership of a partition is exactly
/// the holding of its lease.
/// </summary>
public interface IPartitionLeaseTable
{
    /// <summary>Reads every partition's lease, with the time left on it (database clock; null when unowned).</summary>
    Task<IReadOnlyList<PartitionLease>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Extends the leases <paramref name="siloId"/> still holds among <paramref name="partitions"/>
    /// to now + <paramref name="ttl"/>; returns the ones renewed (a lease that expired and was
    /// taken by another silo is not).
    /// </summary>
    Task<IReadOnlyList<PartitionLease>> RenewAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="max"/> of <paramref name="candidates"/> that are unowned or
    /// whose lease has expired, incrementing each one's epoch; returns those taken. Waits for
    /// in-flight fenced writes on those partitions to commit.
    /// </summary>
    Task<IReadOnlyList<PartitionLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> candidates, int max, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Gives up leases at once (owner cleared) so other silos can take them without waiting for expiry.</summary>
    Task ReleaseAsync(string siloId, IReadOnlyCollection<int> partitions, CancellationToken cancellationToken);
}

/// <summary>One partition's lease.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Owner">The owning silo, or null.</param>
/// <param name="Epoch">Incremented at every change of owner.</param>
/// <param name="Remaining">Time left on the lease on the database clock; null when unowned, negative when expired.</param>
public sealed record PartitionLease(int Partition, string? Owner, long Epoch, TimeSpan? Remaining);
