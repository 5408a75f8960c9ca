using Microsoft.Extensions.Logging;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Runtime.Reminders;

/// <summary>
/// Fires the durable reminders of the partitions this silo owns. Every owned reminder is held
/// in a due-time queue with one timer armed for the earliest, so a reminder fires as soon as it
/// is due. A tick is a grain call; if it fails it is retried with backoff (1 s doubling to
/// 30 s) and never dropped. A one-shot reminder is deleted from the table only after a
/// successful tick, and only if nobody re-registered it meanwhile (ETag check).
/// </summary>
internal sealed partial class ReminderService : IDisposable
{
    private static readonly TimeSpan s_minimumPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maximumBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_notServingRecheck = TimeSpan.FromSeconds(1);

    private readonly SiloRuntime _runtime;
    private readonly IReminderTable _table;
    private readonly int _partitionCount;
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId, string), Scheduled> _scheduled = [];
    private readonly PriorityQueue<Scheduled, DateTimeOffset> _queue = new();
    private readonly HashSet<int> _ownedPartitions = [];
    private readonly ITimer _timer;
    private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;
    private bool _stopped;

    public ReminderService(SiloRuntime runtime, IReminderTable table, int partitionCount)
    {
        _runtime = runtime;
        _table = table;
        _partitionCount = partitionCount;
        _timer = runtime.Time.CreateTimer(static state => ((ReminderService)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The number of reminders this silo is responsible for.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _scheduled.Count;
            }
        }
    }

    public async Task RegisterOrUpdateAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period != TimeSpan.Zero && period < s_minimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A reminder period is zero (one-shot) or at least one second.");
        }

        var entry = new ReminderEntry(grainId, name, _runtime.Time.GetUtcNow() + dueTime, period, grainId.Partition(_partitionCount), string.Empty);
        var etag = await _table.UpsertAsync(entry, cancellationToken);
        Schedule(entry with { ETag = etag }, entry.StartAt, failures: 0);
    }

    public async Task UnregisterAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await _table.RemoveAsync(grainId, name, etag: null, cancellationToken);
        lock (_lock)
        {
            if (_scheduled.Remove((grainId, name), out var scheduled))
            {
                scheduled.Removed = true;
            }
        }
    }

    /// <summary>Takes responsibility for the reminders of newly owned partitions.</summary>
    public async Task AcquirePartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _ownedPartitions.UnionWith(partitions);
        }

        var entries = await _table.ReadPartitionsAsync(partitions, cancellationToken);
        var now = _runtime.Time.GetUtcNow();
        foreach (var entry in entries)
        {
            // A reminder that fell due while no silo owned it fires now, late but not dropped.
            Schedule(entry, NextDue(entry, now, entry.StartAt), failures: 0, onlyIfAbsent: true);
        }
    }

    /// <summary>Forgets the reminders of partitions this silo no longer owns (their new owner fires them).</summary>
    public void ReleasePartitions(IReadOnlyCollection<int> partitions)
    {
        lock (_lock)
        {
            _ownedPartitions.ExceptWith(partitions);
            foreach (var (key, scheduled) in _scheduled.Where(pair => partitions.Contains(pair.Value.Entry.Partition)).ToList())
            {
                scheduled.Removed = true;
                _scheduled.Remove(key);
            }
        }
    }

    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private static DateTimeOffset NextDue(ReminderEntry entry, DateTimeOffset now, DateTimeOffset lastDue)
    {
        if (entry.Period == TimeSpan.Zero || lastDue >= now)
        {
            return lastDue;
        }

        // Skip the ticks missed while nobody owned the reminder; fire the most recent one now.
        var missed = (now - lastDue).Ticks / entry.Period.Ticks;
        return lastDue + (entry.Period * missed);
    }

    private void Schedule(ReminderEntry entry, DateTimeOffset due, int failures, bool onlyIfAbsent = false, DateTimeOffset? tickDue = null)
    {
        lock (_lock)
        {
            if (_stopped || !_ownedPartitions.Contains(entry.Partition))
            {
                return;
            }

            var key = (entry.GrainId, entry.Name);
            if (_scheduled.TryGetValue(key, out var existing))
            {
                if (onlyIfAbsent)
                {
                    return;
                }

                existing.Removed = true;
            }

            var scheduled = new Scheduled(entry) { Due = due, TickDue = tickDue ?? due, Failures = failures };
            _scheduled[key] = scheduled;
            _queue.Enqueue(scheduled, due);
            ArmTimer();
        }
    }

    /// <summary>Re-arms the timer for the earliest live reminder. Called under the lock.</summary>
    private void ArmTimer()
    {
        while (_queue.TryPeek(out var head, out _) && head.Removed)
        {
            _queue.Dequeue();
        }

        if (!_queue.TryPeek(out _, out var earliest) || earliest >= _timerDue)
        {
            return;
        }

        _timerDue = earliest;
        var delay = earliest - _runtime.Time.GetUtcNow();
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        var due = new List<Scheduled>();
        lock (_lock)
        {
            _timerDue = DateTimeOffset.MaxValue;
            if (_stopped)
            {
                return;
            }

            var now = _runtime.Time.GetUtcNow();
            while (_queue.TryPeek(out var head, out var at) && at <= now)
            {
                _queue.Dequeue();
                if (!head.Removed)
                {
                    due.Add(head);
                }
            }

            ArmTimer();
        }

        foreach (var scheduled in due)
        {
            _ = FireAsync(scheduled);
        }
    }

    private async Task FireAsync(Scheduled scheduled)
    {
        var entry = scheduled.Entry;
        var firedAt = _runtime.Time.GetUtcNow();
        if (!_runtime.Ownership.TryGetFence(entry.GrainId, out _))
        {
            // This silo cannot renew the partition's lease right now: the owner fires it. Look
            // again shortly in case the lease is renewed and nobody took it over.
            Reschedule(scheduled, firedAt + s_notServingRecheck, scheduled.Failures, keepDue: true);
            return;
        }

        var request = new ReminderTickRequest(entry.Name, new TickStatus(entry.StartAt, entry.Period, scheduled.TickDue));
        try
        {
            await _runtime.Dispatcher.InvokeAsync(entry.GrainId, request);
        }
        catch (Exception exception)
        {
            var backoff = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, scheduled.Failures), s_maximumBackoff.TotalSeconds));
            LogTickFailed(_runtime.Logger, exception, entry.Name, entry.GrainId, backoff);
            _runtime.Metrics.ReminderFired(entry.GrainId.Type, success: false, firedAt - scheduled.TickDue);
            Reschedule(scheduled, firedAt + backoff, scheduled.Failures + 1, keepDue: true);
            return;
        }

        _runtime.Metrics.ReminderFired(entry.GrainId.Type, success: true, firedAt - scheduled.TickDue);
        if (entry.Period == TimeSpan.Zero)
        {
            await RemoveOneShotAsync(scheduled);
            return;
        }

        var now = _runtime.Time.GetUtcNow();
        var next = scheduled.TickDue + entry.Period;
        Reschedule(scheduled, next > now ? next : NextDue(entry, now, next), failures: 0);
    }

    private async Task RemoveOneShotAsync(Scheduled scheduled)
    {
        var entry = scheduled.Entry;
        try
        {
            await _table.RemoveAsync(entry.GrainId, entry.Name, entry.ETag, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The tick ran; a row left behind fires once more after a restart, which the
            // grain sees as a repeated one-shot tick rather than a lost one.
            LogRemoveFailed(_runtime.Logger, exception, entry.Name, entry.GrainId);
        }

        lock (_lock)
        {
            var key = (entry.GrainId, entry.Name);
            if (_scheduled.TryGetValue(key, out var current) && ReferenceEquals(current, scheduled))
            {
                _scheduled.Remove(key);
            }
        }
    }

    private void Reschedule(Scheduled scheduled, DateTimeOffset due, int failures, bool keepDue = false)
    {
        lock (_lock)
        {
            var key = (scheduled.Entry.GrainId, scheduled.Entry.Name);
            if (!_scheduled.TryGetValue(key, out var current) || !ReferenceEquals(current, scheduled))
            {
                return; // re-registered, removed or handed off meanwhile
            }
        }

        Schedule(scheduled.Entry, due, failures, tickDue: keepDue ? scheduled.TickDue : null);
    }

    private sealed class Scheduled(ReminderEntry entry)
    {
        public ReminderEntry Entry { get; } = entry;

        public DateTimeOffset Due { get; init; }

        /// <summary>The due time of the tick this entry will deliver (later retries keep it).</summary>
        public DateTimeOffset TickDue { get; init; }

        public int Failures { get; init; }

        public bool Removed { get; set; }
    }

    private sealed class ReminderTickRequest(string name, TickStatus status) : SystemRequest(s_method)
    {
        private static readonly GrainMethod s_method = Describe("ReminderTick");

        protected override ValueTask<VoidResult> InvokeCore(object grain) =>
            grain is IRemindable remindable
                ? AwaitVoid(remindable.ReceiveReminderAsync(name, status, CancellationToken))
                : throw new InvalidOperationException($"Grain class {grain.GetType()} has reminders but does not implement IRemindable.");
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Reminder {Name} of {GrainId} failed; retrying in {Backoff}")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string name, GrainId grainId, TimeSpan backoff);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "One-shot reminder {Name} of {GrainId} ran but could not be deleted")]
    private static partial void LogRemoveFailed(ILogger logger, Exception exception, string name, GrainId grainId);
}
