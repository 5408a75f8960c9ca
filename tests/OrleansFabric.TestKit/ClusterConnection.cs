using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.TestKit;

/// <summary>
/// One silo's connection to the shared in-memory "database" (cluster tables and grain state).
/// <see cref="Cut"/> makes every call through it fail, as for a silo that is paused or cut off
/// from PostgreSQL, while the other silos carry on. State writes are fenced like the
/// PostgreSQL provider's: they succeed only while this silo holds the partition's lease at
/// the write's epoch.
/// </summary>
public sealed class ClusterConnection(InMemoryClusterTables tables, InMemoryGrainStorage storage) : IMembershipTable, IPartitionLeaseTable, IGrainStorage
{
    private string? _siloId;

    /// <summary>When true, every call fails as if the database could not be reached.</summary>
    public bool Cut { get; set; }

    /// <summary>Fenced writes rejected because the lease was gone.</summary>
    public int FencedWrites { get; private set; }

    public Task RegisterAsync(string siloId, string endpoint, SiloStatus status, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        _siloId = siloId;
        return Check().RegisterAsync(siloId, endpoint, status, startedAt, cancellationToken);
    }

    public Task HeartbeatAsync(string siloId, SiloStatus status, int activations, CancellationToken cancellationToken) =>
        Check().HeartbeatAsync(siloId, status, activations, cancellationToken);

    public Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken) => Check().ReadAllAsync(cancellationToken);

    public Task<int> RemoveStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken) => Check().RemoveStaleAsync(olderThan, cancellationToken);

    Task<IReadOnlyList<PartitionLease>> IPartitionLeaseTable.ReadAllAsync(CancellationToken cancellationToken) =>
        ((IPartitionLeaseTable)Check()).ReadAllAsync(cancellationToken);

    public Task<IReadOnlyList<PartitionLease>> RenewAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan ttl, CancellationToken cancellationToken) =>
        Check().RenewAsync(siloId, partitions, ttl, cancellationToken);

    public Task<IReadOnlyList<PartitionLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> candidates, int max, TimeSpan ttl, CancellationToken cancellationToken) =>
        Check().TryAcquireAsync(siloId, candidates, max, ttl, cancellationToken);

    public Task ReleaseAsync(string siloId, IReadOnlyCollection<int> partitions, CancellationToken cancellationToken) =>
        Check().ReleaseAsync(siloId, partitions, cancellationToken);

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        Check();
        return storage.ReadAsync(grainId, stateName, cancellationToken);
    }

    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        CheckFence(fence);
        return storage.WriteAsync(grainId, stateName, payload, expectedETag, fence, cancellationToken);
    }

    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        CheckFence(fence);
        return storage.AppendAsync(grainId, stateName, entry, expectedETag, fence, cancellationToken);
    }

    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        CheckFence(fence);
        return storage.ClearAsync(grainId, stateName, expectedETag, fence, cancellationToken);
    }

    private void CheckFence(WriteFence fence)
    {
        Check();
        if (fence.Partition >= 0 && (_siloId is null || !tables.Holds(_siloId, fence.Partition, fence.Epoch)))
        {
            FencedWrites++;
            throw new InconsistentStateException($"Partition {fence.Partition} is no longer held at epoch {fence.Epoch}; the write is rejected.");
        }
    }

    private InMemoryClusterTables Check() =>
        Cut ? throw new TimeoutException("This silo cannot reach the database (simulated).") : tables;
}
