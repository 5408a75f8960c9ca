using Microsoft.Extensions.Logging;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// Holds this silo's partition leases. Each cycle (every TTL/3, sooner when a dead silo's
/// lease is about to expire) it heartbeats, renews what it holds, takes free or expired
/// partitions up to its fair share <c>ceil(P / live silos)</c>, and hands excess partitions
/// off gracefully (stop routing to them, deactivate and flush their grains, then release).
/// It serves a partition only until TTL minus a safety margin after the start of its last
/// successful renewal, measured on its own monotonic clock, so a paused or cut-off silo
/// stops serving before its lease can expire in the database. It also keeps the membership
/// table tidy: rows of silos silent for longer than the dead-silo retention are deleted, and a
/// silo that finds its own row gone (it was silent that long: paused, cut off) registers again.
/// </summary>
internal sealed partial class PartitionLeaseManager : IPartitionOwnership
{
    private readonly SiloState _silo;
    private readonly IPartitionLeaseTable _leases;
    private readonly IMembershipTable _membership;
    private readonly TimeProvider _time;
    private readonly TimeSpan _deadSiloRetention;
    private readonly ILogger _logger;
    private readonly long[] _epochs;
    private readonly Lock _lock = new();
    private readonly HashSet<int> _held = [];
    private long _servingUntil;
    private int _cycles;
    private volatile bool _draining;
    private volatile bool _handingOff;

    public PartitionLeaseManager(SiloState silo, IPartitionLeaseTable leases, IMembershipTable membership, TimeProvider time, int partitionCount, TimeSpan ttl, TimeSpan deadSiloRetention, ILogger logger)
    {
        _silo = silo;
        _leases = leases;
        _membership = membership;
        _time = time;
        _deadSiloRetention = deadSiloRetention;
        _logger = logger;
        PartitionCount = partitionCount;
        Ttl = ttl;
        SafetyMargin = TimeSpan.FromTicks(Math.Max(ttl.Ticks / 6, TimeSpan.FromMilliseconds(500).Ticks));
        _epochs = new long[partitionCount];
    }

    public int PartitionCount { get; }

    public TimeSpan Ttl { get; }

    /// <summary>How long before its lease could expire a silo stops serving a partition it could not renew.</summary>
    public TimeSpan SafetyMargin { get; }

    /// <summary>Set once the runtime exists (it needs this object to be built).</summary>
    public SiloRuntime? Runtime { get; set; }

    /// <summary>The partitions this silo serves now.</summary>
    public int ServingCount
    {
        get
        {
            if (!WithinServingWindow())
            {
                return 0;
            }

            lock (_lock)
            {
                return _held.Count(partition => Volatile.Read(ref _epochs[partition]) > 0);
            }
        }
    }

    public bool TryGetFence(GrainId grainId, out WriteFence fence)
    {
        var partition = grainId.Partition(PartitionCount);
        var epoch = Volatile.Read(ref _epochs[partition]);
        if (epoch > 0 && WithinServingWindow())
        {
            fence = new WriteFence(partition, epoch);
            return true;
        }

        fence = default;
        return false;
    }

    public bool IsServing(int partition) => Volatile.Read(ref _epochs[partition]) > 0 && WithinServingWindow();

    /// <summary>Stops taking partitions; the next cycles hand every partition to the other silos.</summary>
    public void Drain() => _draining = true;

    public bool IsDraining => _draining;

    /// <summary>The number of cycles that have ended, successfully or not.</summary>
    public int Cycles => Volatile.Read(ref _cycles);

    /// <summary>Runs one lease cycle and returns how long to wait before the next.</summary>
    public async Task<TimeSpan> CycleAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunCycleAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _cycles);
        }
    }

    private async Task<TimeSpan> RunCycleAsync(CancellationToken cancellationToken)
    {
        var runtime = Runtime ?? throw new InvalidOperationException("The lease manager has no runtime yet.");
        var started = _time.GetTimestamp();
        await _membership.HeartbeatAsync(_silo.SiloId, ReportedStatus(), runtime.Catalog.Count, cancellationToken);

        int[] held;
        lock (_lock)
        {
            held = [.. _held];
        }

        if (held.Length > 0)
        {
            var renewed = await _leases.RenewAsync(_silo.SiloId, held, Ttl, cancellationToken);
            var kept = renewed.Select(lease => lease.Partition).ToHashSet();
            var lost = held.Where(partition => !kept.Contains(partition)).ToArray();
            if (lost.Length > 0)
            {
                var list = string.Join(',', lost);
                LogLeasesLost(_logger, lost.Length, list);
                Forget(runtime, lost);
            }
        }

        Volatile.Write(ref _servingUntil, started + (long)((Ttl - SafetyMargin).TotalSeconds * _time.TimestampFrequency));
        _silo.IsServingLeases = true;

        var members = await ReadMembersAsync(cancellationToken);
        var leases = await _leases.ReadAllAsync(cancellationToken);

        // A silo that let a lease expire failed to renew it: count it out at once, so its
        // partitions are taken at expiry rather than when its heartbeat also looks old.
        var lapsed = leases.Where(lease => lease.Owner is not null && lease.Remaining <= TimeSpan.Zero).Select(lease => lease.Owner!).ToHashSet();
        var live = members.Where(member => member.HeartbeatAge < Ttl && member.Status is SiloStatus.Joining or SiloStatus.Active && (member.SiloId == _silo.SiloId || !lapsed.Contains(member.SiloId))).ToList();
        // An operator's drain hands partitions off only while another live silo can take them.
        // Say so at once: the others then take all of this silo's partitions rather than their
        // share of a cluster that counts it, and count it in again if it must serve once more.
        var handingOff = _silo.IsDrainRequested && live.Any(member => member.SiloId != _silo.SiloId);
        if (handingOff != _handingOff)
        {
            _handingOff = handingOff;
            await _membership.HeartbeatAsync(_silo.SiloId, ReportedStatus(), runtime.Catalog.Count, cancellationToken);
        }

        var takesPartitions = !_draining && !_handingOff && _silo.Status is SiloStatus.Joining or SiloStatus.Active;
        var sharers = live.Count(member => member.SiloId != _silo.SiloId) + (takesPartitions ? 1 : 0);

        // Everyone may hold up to ceil(P/n); when some live silo holds fewer than floor(P/n),
        // those above floor give back the difference so the spread converges to floor..ceil.
        var floorShare = takesPartitions ? PartitionCount / Math.Max(1, sharers) : 0;
        var ceilingShare = takesPartitions ? (PartitionCount + sharers - 1) / Math.Max(1, sharers) : 0;
        var liveIds = live.Select(member => member.SiloId).ToHashSet();
        var heldBy = leases
            .Where(lease => lease.Owner is not null && lease.Remaining > TimeSpan.Zero)
            .GroupBy(lease => lease.Owner!)
            .ToDictionary(group => group.Key, group => group.Count());
        var someoneShort = live.Any(member => member.SiloId != _silo.SiloId && heldBy.GetValueOrDefault(member.SiloId) < floorShare);

        int owned;
        lock (_lock)
        {
            owned = _held.Count;
        }

        var next = Ttl / 3;
        var target = someoneShort ? floorShare : ceilingShare;
        if (owned < ceilingShare)
        {
            var free = leases.Where(lease => lease.Owner is null || lease.Remaining <= TimeSpan.Zero).Select(lease => lease.Partition).ToList();
            Shuffle(free);
            if (free.Count > 0)
            {
                var acquired = await _leases.TryAcquireAsync(_silo.SiloId, free, ceilingShare - owned, Ttl, cancellationToken);
                if (acquired.Count > 0)
                {
                    await GainAsync(runtime, acquired, cancellationToken);
                }
            }
        }
        else if (owned > target)
        {
            int[] excess;
            lock (_lock)
            {
                excess = [.. _held.OrderByDescending(partition => partition).Take(owned - target)];
            }

            await HandOffAsync(runtime, excess, DeactivationReason.PartitionHandoff, cancellationToken);
        }

        // A silo that missed a heartbeat may be dead, and its leases are not free until they
        // expire: come back the moment the first of them does, not a full interval later.
        var suspects = members.Where(member => member.SiloId != _silo.SiloId && member.HeartbeatAge > Ttl / 2).Select(member => member.SiloId).ToHashSet();
        var expiring = leases
            .Where(lease => lease.Owner is not null && lease.Owner != _silo.SiloId && (suspects.Contains(lease.Owner) || !liveIds.Contains(lease.Owner)) && lease.Remaining > TimeSpan.Zero)
            .Select(lease => lease.Remaining!.Value)
            .DefaultIfEmpty(TimeSpan.MaxValue)
            .Min();
        if (expiring < next)
        {
            next = expiring + TimeSpan.FromMilliseconds(20);
        }

        return next;
    }

    /// <summary>
    /// The membership rows, after deleting those of silos silent for longer than the retention
    /// and registering this silo again if its own row is gone.
    /// </summary>
    private async Task<IReadOnlyList<MembershipEntry>> ReadMembersAsync(CancellationToken cancellationToken)
    {
        var members = await _membership.ReadAllAsync(cancellationToken);
        var changed = false;
        if (members.Any(member => member.SiloId != _silo.SiloId && member.HeartbeatAge > _deadSiloRetention))
        {
            // Every live silo sees the same rows; the first to get there deletes them.
            var removed = await _membership.RemoveStaleAsync(_deadSiloRetention, cancellationToken);
            if (removed > 0)
            {
                LogStaleMembersRemoved(_logger, removed, _deadSiloRetention.TotalMinutes);
            }

            changed = true;
        }

        if (members.All(member => member.SiloId != _silo.SiloId))
        {
            LogRegisteredAgain(_logger, _silo.SiloId);
            await _membership.RegisterAsync(_silo.SiloId, _silo.Endpoint, ReportedStatus(), _silo.StartedAt, cancellationToken);
            changed = true;
        }

        return changed ? await _membership.ReadAllAsync(cancellationToken) : members;
    }

    /// <summary>Records a failed cycle; the silo keeps serving only until its serving window ends.</summary>
    public void CycleFailed(Exception exception)
    {
        LogCycleFailed(_logger, exception);
        if (!WithinServingWindow())
        {
            _silo.IsServingLeases = false;
        }
    }

    /// <summary>Hands every held partition off (graceful shutdown or drain): deactivate, flush, release at once.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        int[] held;
        lock (_lock)
        {
            held = [.. _held];
        }

        if (held.Length > 0 && Runtime is { } runtime)
        {
            await HandOffAsync(runtime, held, DeactivationReason.Shutdown, cancellationToken);
        }
    }

    private static void Shuffle(List<int> partitions)
    {
        for (var i = partitions.Count - 1; i > 0; i--)
        {
            var j = Random.Shared.Next(i + 1);
            (partitions[i], partitions[j]) = (partitions[j], partitions[i]);
        }
    }

    /// <summary>The status to heartbeat: a silo handing its partitions off for a drain reports itself shutting down.</summary>
    private SiloStatus ReportedStatus() =>
        _handingOff && _silo.Status is SiloStatus.Joining or SiloStatus.Active ? SiloStatus.ShuttingDown : _silo.Status;

    private bool WithinServingWindow() => _time.GetTimestamp() < Volatile.Read(ref _servingUntil);

    private async Task GainAsync(SiloRuntime runtime, IReadOnlyList<PartitionLease> acquired, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var lease in acquired)
            {
                _held.Add(lease.Partition);
                Volatile.Write(ref _epochs[lease.Partition], lease.Epoch);
            }
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            var list = string.Join(',', acquired.Select(lease => $"{lease.Partition}@{lease.Epoch}"));
            LogLeasesAcquired(_logger, acquired.Count, list);
        }

        await runtime.Reminders.AcquirePartitionsAsync([.. acquired.Select(lease => lease.Partition)], cancellationToken);
    }

    /// <summary>Drops partitions whose lease is gone: their grains are deactivated (their writes would be rejected anyway).</summary>
    private void Forget(SiloRuntime runtime, int[] partitions)
    {
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                _held.Remove(partition);
                Volatile.Write(ref _epochs[partition], 0);
            }
        }

        runtime.Reminders.ReleasePartitions(partitions);
        _ = runtime.Catalog.DeactivatePartitionsAsync(partitions.ToHashSet(), PartitionCount, DeactivationReason.PartitionHandoff, CancellationToken.None);
    }

    private async Task HandOffAsync(SiloRuntime runtime, int[] partitions, DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stop routing new calls here first; grains still write under their lease until it is released.
        foreach (var partition in partitions)
        {
            Volatile.Write(ref _epochs[partition], 0);
        }

        runtime.Reminders.ReleasePartitions(partitions);
        var set = partitions.ToHashSet();
        try
        {
            await runtime.Catalog.DeactivatePartitionsAsync(set, PartitionCount, reason, cancellationToken);
        }
        finally
        {
            await _leases.ReleaseAsync(_silo.SiloId, partitions, CancellationToken.None);
            lock (_lock)
            {
                _held.ExceptWith(set);
            }

            LogLeasesReleased(_logger, partitions.Length);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Acquired {Count} partition leases: {Partitions}")]
    private static partial void LogLeasesAcquired(ILogger logger, int count, string partitions);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Lost {Count} partition leases to other silos: {Partitions}")]
    private static partial void LogLeasesLost(ILogger logger, int count, string partitions);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Handed off {Count} partitions")]
    private static partial void LogLeasesReleased(ILogger logger, int count);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Lease cycle failed; serving continues only until the current leases' safety deadline")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Removed {Count} membership rows of silos silent for more than {Minutes} minutes")]
    private static partial void LogStaleMembersRemoved(ILogger logger, int count, double minutes);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "This silo's membership row ({SiloId}) was gone, deleted after it was silent for longer than the dead-silo retention; registered again")]
    private static partial void LogRegisteredAgain(ILogger logger, string siloId);
}
