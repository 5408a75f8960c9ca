namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// A cached map from partition to owning silo and its endpoint, read from the lease and
/// membership tables. It is refreshed on a miss or after a "not owner" answer, at most once
/// per <see cref="MinimumRefreshInterval"/> however many callers ask at once.
/// </summary>
internal sealed class PartitionDirectory(IPartitionLeaseTable leases, IMembershipTable membership, TimeProvider time, TimeSpan ttl) : IDisposable
{
    private static readonly TimeSpan s_minimumRefreshInterval = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _snapshot = new([], long.MinValue);

    public static TimeSpan MinimumRefreshInterval => s_minimumRefreshInterval;

    public void Dispose() => _refreshing.Dispose();

    /// <summary>The owner of <paramref name="partition"/> as last read, or null.</summary>
    public PartitionOwner? Lookup(int partition) =>
        _snapshot.Owners.TryGetValue(partition, out var owner) ? owner : null;

    /// <summary>Reads the tables again unless another caller just did.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var seen = _snapshot.ReadAt;
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var neverRead = seen == long.MinValue;
            if (_snapshot.ReadAt != seen || (!neverRead && time.GetElapsedTime(seen) < s_minimumRefreshInterval))
            {
                return;
            }

            var leaseRows = await leases.ReadAllAsync(cancellationToken);
            var members = (await membership.ReadAllAsync(cancellationToken))
                .Where(member => member.HeartbeatAge < ttl)
                .ToDictionary(member => member.SiloId);
            var owners = new Dictionary<int, PartitionOwner>();
            foreach (var lease in leaseRows)
            {
                if (lease.Owner is not null && lease.Remaining > TimeSpan.Zero && members.TryGetValue(lease.Owner, out var member))
                {
                    owners[lease.Partition] = new PartitionOwner(lease.Owner, member.Endpoint, lease.Epoch);
                }
            }

            _snapshot = new Snapshot(owners, time.GetTimestamp());
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private sealed record Snapshot(Dictionary<int, PartitionOwner> Owners, long ReadAt);
}

/// <summary>Who serves a partition, where, at which lease epoch.</summary>
internal sealed record PartitionOwner(string SiloId, string Endpoint, long Epoch);
