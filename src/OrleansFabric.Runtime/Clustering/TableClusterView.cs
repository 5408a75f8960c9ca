using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>The cluster as the membership and lease tables describe it.</summary>
internal sealed class TableClusterView(IMembershipTable membership, IPartitionLeaseTable leases, PartitionLeaseManager manager, SiloState self, SiloRuntime runtime) : IClusterView
{
    public async ValueTask<ClusterSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var members = await membership.ReadAllAsync(cancellationToken);
        var leaseRows = await leases.ReadAllAsync(cancellationToken);
        var owned = leaseRows
            .Where(lease => lease.Owner is not null && lease.Remaining > TimeSpan.Zero)
            .GroupBy(lease => lease.Owner!)
            .ToDictionary(group => group.Key, group => group.Count());
        var silos = members
            .OrderBy(member => member.StartedAt)
            .Select(member => new SiloInfo(
                member.SiloId,
                member.Endpoint,
                member.HeartbeatAge >= manager.Ttl ? SiloStatus.Dead : member.Status,
                member.HeartbeatAt,
                owned.GetValueOrDefault(member.SiloId),
                member.SiloId == self.SiloId ? runtime.Catalog.Count : member.Activations))
            .ToList();
        var partitions = leaseRows
            .OrderBy(lease => lease.Partition)
            .Select(lease => new PartitionInfo(lease.Partition, lease.Remaining > TimeSpan.Zero ? lease.Owner : null, lease.Epoch))
            .ToList();
        return new ClusterSnapshot(manager.PartitionCount, silos, partitions);
    }
}
