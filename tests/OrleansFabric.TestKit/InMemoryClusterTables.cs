using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.TestKit;

/// <summary>
/// Membership and partition lease tables in memory, on a test clock, with the semantics of the
/// PostgreSQL tables: several in-process silos share one instance to form a cluster whose
/// lease expiry and failover a test drives by moving the clock.
/// </summary>
public sealed class InMemoryClusterTables(TimeProvider clock, int partitionCount) : IMembershipTable, IPartitionLeaseTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Member> _members = [];
    private readonly Lease[] _leases = Enumerable.Range(0, partitionCount).Select(_ => new Lease()).ToArray();

    /// <summary>When set, every call fails as if the database were unreachable.</summary>
    public bool Unavailable { get; set; }

    public Task RegisterAsync(string siloId, string endpoint, SiloStatus status, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            _members[siloId] = new Member { Endpoint = endpoint, Status = status, StartedAt = startedAt, HeartbeatAt = clock.GetUtcNow() };
        }

        return Task.CompletedTask;
    }

    public Task HeartbeatAsync(string siloId, SiloStatus status, int activations, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            if (_members.TryGetValue(siloId, out var member))
            {
                member.Status = status;
                member.Activations = activations;
                member.HeartbeatAt = clock.GetUtcNow();
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            var now = clock.GetUtcNow();
            IReadOnlyList<MembershipEntry> rows = [.. _members.Select(pair => new MembershipEntry(
                pair.Key, pair.Value.Endpoint, pair.Value.Status, pair.Value.StartedAt, pair.Value.HeartbeatAt, now - pair.Value.HeartbeatAt, pair.Value.Activations))];
            return Task.FromResult(rows);
        }
    }

    public Task<int> RemoveStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            var now = clock.GetUtcNow();
            var stale = _members.Where(pair => now - pair.Value.HeartbeatAt > olderThan).Select(pair => pair.Key).ToList();
            stale.ForEach(id => _members.Remove(id));
            return Task.FromResult(stale.Count);
        }
    }

    Task<IReadOnlyList<PartitionLease>> IPartitionLeaseTable.ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            var now = clock.GetUtcNow();
            IReadOnlyList<PartitionLease> rows = [.. _leases.Select((lease, partition) => Describe(partition, lease, now))];
            return Task.FromResult(rows);
        }
    }

    public Task<IReadOnlyList<PartitionLease>> RenewAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            var now = clock.GetUtcNow();
            var renewed = new List<PartitionLease>();
            foreach (var partition in partitions)
            {
                var lease = _leases[partition];
                if (lease.Owner == siloId && lease.ExpiresAt > now)
                {
                    lease.ExpiresAt = now + ttl;
                    renewed.Add(Describe(partition, lease, now));
                }
            }

            return Task.FromResult<IReadOnlyList<PartitionLease>>(renewed);
        }
    }

    public Task<IReadOnlyList<PartitionLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> candidates, int max, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            var now = clock.GetUtcNow();
            var acquired = new List<PartitionLease>();
            foreach (var partition in candidates)
            {
                if (acquired.Count >= max)
                {
                    break;
                }

                var lease = _leases[partition];
                if (lease.Owner is null || lease.ExpiresAt <= now)
                {
                    lease.Owner = siloId;
                    lease.Epoch++;
                    lease.ExpiresAt = now + ttl;
                    acquired.Add(Describe(partition, lease, now));
                }
            }

            return Task.FromResult<IReadOnlyList<PartitionLease>>(acquired);
        }
    }

    public Task ReleaseAsync(string siloId, IReadOnlyCollection<int> partitions, CancellationToken cancellationToken)
    {
        lock (Enter())
        {
            foreach (var partition in partitions)
            {
                var lease = _leases[partition];
                if (lease.Owner == siloId)
                {
                    lease.Owner = null;
                    lease.ExpiresAt = null;
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>True if <paramref name="siloId"/> holds an unexpired lease on <paramref name="partition"/> at <paramref name="epoch"/>.</summary>
    public bool Holds(string siloId, int partition, long epoch)
    {
        lock (_lock)
        {
            var lease = _leases[partition];
            return lease.Owner == siloId && lease.Epoch == epoch && lease.ExpiresAt > clock.GetUtcNow();
        }
    }

    private static PartitionLease Describe(int partition, Lease lease, DateTimeOffset now) =>
        new(partition, lease.Owner, lease.Epoch, lease.ExpiresAt is { } expires ? expires - now : null);

    private Lock Enter() => Unavailable ? throw new TimeoutException("The cluster tables are unavailable (simulated).") : _lock;

    private sealed class Member
    {
        public required string Endpoint { get; init; }

        public SiloStatus Status { get; set; }

        public DateTimeOffset StartedAt { get; init; }

        public DateTimeOffset HeartbeatAt { get; set; }

        public int Activations { get; set; }
    }

    private sealed class Lease
    {
        public string? Owner { get; set; }

        public long Epoch { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }
    }
}
