using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Invocation;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Activation;

/// <summary>
/// One activation of one grain on this silo: its mailbox and its turn scheduler.
/// Messages run one at a time in arrival order. Everything the grain's code awaits resumes
/// through this activation's <see cref="SynchronizationContext"/>, so code of one activation
/// never runs on two threads at once, even when a read-only call interleaves with a
/// suspended turn. The activation is a thread-pool work item itself, so scheduling it
/// allocates nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The lifetime source is disposed when the activation finishes; activations are not disposed by their owners.")]
internal sealed partial class ActivationData : IThreadPoolWorkItem
{
    private const int MaxWorkPerExecution = 64;

    /// <summary>How many activations run inline on this thread (at most one: no nesting).</summary>
    [ThreadStatic]
    private static int t_inlineDepth;

    /// <summary>The turn whose code is running, tracked only for group-commit grains (it flows across awaits).</summary>
    private static readonly AsyncLocal<GrainRequest?> s_groupCommitTurn = new();

    private readonly Lock _lock = new();
    private readonly Queue<GrainRequest> _mailbox = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();
    private readonly ActivationSynchronizationContext _synchronizationContext;
    private readonly GrainClass _grainClass;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<IActivationStateStore> _stateStores = [];
    private List<GrainRequest>? _forwardOnDeactivation;
    private TaskCompletionSource? _deactivated;
    private ActivationStatus _status = ActivationStatus.Created;
    private DeactivationReason? _deactivationRequest;
    private bool _scheduled;
    private bool _systemStepRunning;
    private GrainRequest? _exclusiveTurn;
    private int _readOnlyTurns;
    private int _releasedTurns;
    private int _backgroundWork;
    private int _writesInFlight;
    private long _lastActiveTimestamp;
    private Grain? _grain;

    public ActivationData(GrainId grainId, GrainClass grainClass, SiloRuntime runtime)
    {
        GrainId = grainId;
        _grainClass = grainClass;
        Runtime = runtime;
        _synchronizationContext = new ActivationSynchronizationContext(this);
        _lastActiveTimestamp = runtime.Time.GetTimestamp();
    }

    public GrainId GrainId { get; }

    public SiloRuntime Runtime { get; }

    /// <summary>The lease this activation writes under (none on the embedded silo).</summary>
    public WriteFence Fence { get; set; } = WriteFence.None;

    /// <summary>Cancelled when the activation ends; background work and timers hang off it.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>The number of messages waiting in the mailbox (racy read, for gauges).</summary>
    public int MailboxDepth => _mailbox.Count;

    public ActivationStatus Status => _status;

    /// <summary>Turns of a group-commit grain that have given up the mailbox and wait for their write (racy read).</summary>
    public int TurnsAwaitingCommit => Volatile.Read(ref _releasedTurns);

    /// <summary>Completes when the activation has ended and left the catalog.</summary>
    public Task Deactivated
    {
        get
        {
            lock (_lock)
            {
                _deactivated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_status == ActivationStatus.Invalid)
                {
                    _deactivated.TrySetResult();
                }

                return _deactivated.Task;
            }
        }
    }

    internal void AddStateStore(IActivationStateStore store) => _stateStores.Add(store);

    /// <summary>
    /// Queues a message. Returns false when the activation is ending: the caller waits for
    /// <see cref="Deactivated"/> and sends the message to the next activation.
    /// </summary>
    public bool TryEnqueue(GrainRequest request)
    {
        bool schedule;
        lock (_lock)
        {
            if (_status >= ActivationStatus.Deactivating)
            {
                return false;
            }

            _mailbox.Enqueue(request);
            schedule = MarkScheduled();
        }

        if (!schedule)
        {
            return true;
        }

        if (t_inlineDepth == 0 && SynchronizationContext.Current is not ActivationSynchronizationContext)
        {
            // The activation was idle and the caller is not grain code: run the turn right here,
            // before the caller awaits, instead of two thread hops (there and back).
            var outer = GrainRequest.RunningInline;
            GrainRequest.RunningInline = request;
            t_inlineDepth++;
            try
            {
                ((IThreadPoolWorkItem)this).Execute();
            }
            finally
            {
                t_inlineDepth--;
                GrainRequest.RunningInline = outer;
            }

            return true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>Runs a continuation of this activation's code (from its synchronization context).</summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        bool schedule;
        lock (_lock)
        {
            _posted.Enqueue((callback, state));
            schedule = MarkScheduled();
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <summary>Asks the activation to end once no turn is running.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (_lock)
        {
            if (_status >= ActivationStatus.Deactivating || _deactivationRequest is not null)
            {
                return;
            }

            _deactivationRequest = reason;
        }

        Schedule();
    }

    /// <summary>Requests idle deactivation if nothing has happened since <paramref name="idleSince"/>.</summary>
    public bool DeactivateIfIdle(long idleSince)
    {
        lock (_lock)
        {
            if (_status != ActivationStatus.Valid || _deactivationRequest is not null || !IsQuiet() || _backgroundWork > 0 || _lastActiveTimestamp > idleSince)
            {
                return false;
            }

            _deactivationRequest = DeactivationReason.IdleTimeout;
        }

        Schedule();
        return true;
    }

    public void BackgroundWorkStarted()
    {
        lock (_lock)
        {
            _backgroundWork++;
        }
    }

    public void BackgroundWorkCompleted(GrainRequest completion)
    {
        bool accepted;
        lock (_lock)
        {
            _backgroundWork--;
            accepted = _status < ActivationStatus.Deactivating;
            if (accepted)
            {
                _mailbox.Enqueue(completion);
            }
        }

        if (!accepted)
        {
            LogBackgroundCompletionDropped(Runtime.Logger, GrainId);
            return;
        }

        Schedule();
    }

    /// <summary>
    /// The running turn waits for a state write. In a group-commit grain it gives up the
    /// mailbox: the turns behind it run now and their writes join the next write.
    /// </summary>
    public void TurnAwaitsWrite()
    {
        if (!_grainClass.GroupCommit)
        {
            return;
        }

        var turn = s_groupCommitTurn.Value;
        lock (_lock)
        {
            if (turn is null || !ReferenceEquals(turn, _exclusiveTurn))
            {
                return; // not a turn, or a turn that already gave up the mailbox
            }

            _exclusiveTurn = null;
            _releasedTurns++;
        }

        Schedule();
    }

    /// <summary>A state write of this activation starts; read-only calls wait until it ends.</summary>
    public void WriteStarted()
    {
        lock (_lock)
        {
            _writesInFlight++;
        }
    }

    public void WriteCompleted()
    {
        lock (_lock)
        {
            _writesInFlight--;
        }

        Schedule();
    }

    void IThreadPoolWorkItem.Execute()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        try
        {
            for (var i = 0; i < MaxWorkPerExecution; i++)
            {
                if (!RunNext())
                {
                    return;
                }
            }

            // Let other activations run; this one goes to the back of the queue.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void Schedule()
    {
        bool schedule;
        lock (_lock)
        {
            schedule = MarkScheduled();
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool MarkScheduled()
    {
        if (_scheduled)
        {
            return false;
        }

        _scheduled = true;
        return true;
    }

    private bool IsQuiet() =>
        _exclusiveTurn is null && _readOnlyTurns == 0 && _releasedTurns == 0 && !_systemStepRunning && _mailbox.Count == 0;

    /// <summary>Runs one piece of work; false when there is nothing runnable (and the activation is unscheduled).</summary>
    private bool RunNext()
    {
        (SendOrPostCallback Callback, object? State) posted;
        GrainRequest? request = null;
        var step = SystemStep.None;
        lock (_lock)
        {
            if (!_posted.TryDequeue(out posted))
            {
                request = PickMessage(out step);
                if (request is null)
                {
                    if (step == SystemStep.None)
                    {
                        _scheduled = false;
                        return false;
                    }

                    _systemStepRunning = true;
                }
            }
        }

        if (request is not null)
        {
            RunTurn(request);
        }
        else if (step != SystemStep.None)
        {
            RunSystemStep(step);
        }
        else
        {
            posted.Callback(posted.State);
        }

        return true;
    }

    /// <summary>Chooses the next message that may start now, or a system step. Called under the lock.</summary>
    private GrainRequest? PickMessage(out SystemStep step)
    {
        step = SystemStep.None;
        if (_systemStepRunning)
        {
            return null;
        }

        switch (_status)
        {
            case ActivationStatus.Created:
                step = SystemStep.Activate;
                return null;
            case ActivationStatus.Valid:
                break;
            default:
                return null;
        }

        while (_deactivationRequest is null && _mailbox.TryPeek(out var head))
        {
            var mayStart = head.Method.IsReadOnly
                ? _writesInFlight == 0
                : _exclusiveTurn is null && _readOnlyTurns == 0;
            if (!mayStart)
            {
                break;
            }

            _mailbox.Dequeue();
            if (!head.TryStart())
            {
                continue; // cancelled by its caller while queued
            }

            if (head.Method.IsReadOnly)
            {
                _readOnlyTurns++;
            }
            else
            {
                _exclusiveTurn = head;
            }

            if (head is not SystemRequest { KeepsActivationAlive: false })
            {
                _lastActiveTimestamp = Runtime.Time.GetTimestamp();
            }

            return head;
        }

        if (_deactivationRequest is not null && _exclusiveTurn is null && _readOnlyTurns == 0 && _releasedTurns == 0)
        {
            step = SystemStep.Deactivate;
        }

        return null;
    }

    private void RunTurn(GrainRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        ValueTask pending;
        if (_grainClass.GroupCommit)
        {
            s_groupCommitTurn.Value = request;
            try
            {
                pending = request.InvokeAsync(_grain!);
            }
            finally
            {
                s_groupCommitTurn.Value = null;
            }
        }
        else
        {
            pending = request.InvokeAsync(_grain!);
        }

        if (pending.IsCompleted)
        {
            EndTurn(request, started);
            return;
        }

        var awaiter = pending.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() => EndTurn(request, started));
    }

    private void EndTurn(GrainRequest request, long started)
    {
        Runtime.Metrics.CallCompleted(_grainClass.GrainType, request.Exception is not null, Stopwatch.GetElapsedTime(started));
        lock (_lock)
        {
            if (request.Method.IsReadOnly)
            {
                _readOnlyTurns--;
            }
            else if (ReferenceEquals(_exclusiveTurn, request))
            {
                _exclusiveTurn = null;
            }
            else
            {
                _releasedTurns--;
            }

            if (request is not SystemRequest { KeepsActivationAlive: false })
            {
                _lastActiveTimestamp = Runtime.Time.GetTimestamp();
            }

            if (request.Exception is InconsistentStateException && _status == ActivationStatus.Valid)
            {
                _deactivationRequest = DeactivationReason.StateConflict;
            }
        }

        if (request.Exception is InconsistentStateException conflict)
        {
            LogStateConflict(Runtime.Logger, GrainId, conflict.Message);
        }

        Schedule();
    }

    private void RunSystemStep(SystemStep step)
    {
        var task = step == SystemStep.Activate ? ActivateAsync() : DeactivateAsync();
        if (task.IsCompleted)
        {
            EndSystemStep();
            return;
        }

        task.ContinueWith(static (_, state) => ((ActivationData)state!).EndSystemStep(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void EndSystemStep()
    {
        lock (_lock)
        {
            _systemStepRunning = false;
        }

        Schedule();
    }

    private async Task ActivateAsync()
    {
        // Runs on this activation's context (the caller set it), outside the lock.
        lock (_lock)
        {
            _status = ActivationStatus.Activating;
        }

        if (!Runtime.Ownership.TryGetFence(GrainId, out var fence))
        {
            // The partition moved away before this activation ran any grain code: hand its
            // messages to the new owner.
            lock (_lock)
            {
                _status = ActivationStatus.Deactivating;
                _forwardOnDeactivation = [.. _mailbox];
                _mailbox.Clear();
            }

            Finish();
            return;
        }

        Fence = fence;
        try
        {
            _grain = _grainClass.Create(this);
            foreach (var store in _stateStores)
            {
                await store.ReadStateAsync(Lifetime);
            }

            await _grain.OnActivateAsync(Lifetime);
            lock (_lock)
            {
                _status = ActivationStatus.Valid;
            }

            Runtime.Metrics.ActivationCreated(_grainClass.GrainType);
        }
        catch (Exception exception)
        {
            LogActivationFailed(Runtime.Logger, exception, GrainId);
            List<GrainRequest> failed;
            lock (_lock)
            {
                _status = ActivationStatus.Invalid;
                failed = [.. _mailbox];
                _mailbox.Clear();
            }

            foreach (var request in failed)
            {
                if (request.TryStart())
                {
                    request.Fail(exception);
                }
            }

            Finish();
        }
    }

    private async Task DeactivateAsync()
    {
        DeactivationReason reason;
        lock (_lock)
        {
            reason = _deactivationRequest!.Value;
            _status = ActivationStatus.Deactivating;
            if (_mailbox.Count > 0)
            {
                _forwardOnDeactivation = [.. _mailbox];
                _mailbox.Clear();
            }
        }

        await _lifetime.CancelAsync();
        if (reason != DeactivationReason.StateConflict)
        {
            using var deadline = new CancellationTokenSource(Runtime.Options.DeactivationTimeout, Runtime.Time);
            try
            {
                await _grain!.OnDeactivateAsync(reason, deadline.Token);
                foreach (var store in _stateStores)
                {
                    await store.FlushAsync();
                }
            }
            catch (Exception exception)
            {
                LogDeactivationFailed(Runtime.Logger, exception, GrainId, reason);
            }
        }

        Runtime.Metrics.ActivationDeactivated(_grainClass.GrainType, reason);
        Finish();
    }

    /// <summary>Leaves the catalog, hands queued messages to the next activation and signals waiters.</summary>
    private void Finish()
    {
        List<GrainRequest>? forward;
        TaskCompletionSource? deactivated;
        lock (_lock)
        {
            _status = ActivationStatus.Invalid;
            forward = _forwardOnDeactivation;
            _forwardOnDeactivation = null;
            deactivated = _deactivated;
        }

        _lifetime.Dispose();
        Runtime.Catalog.Remove(this);
        if (forward is not null)
        {
            foreach (var request in forward)
            {
                Runtime.Dispatcher.Dispatch(GrainId, request);
            }
        }

        deactivated?.TrySetResult();
    }

    private enum SystemStep
    {
        None,
        Activate,
        Deactivate,
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Activation of {GrainId} failed")]
    private static partial void LogActivationFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Deactivation of {GrainId} ({Reason}) failed")]
    private static partial void LogDeactivationFailed(ILogger logger, Exception exception, GrainId grainId, DeactivationReason reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "State conflict in {GrainId}: {Detail}; the activation is dropped and the next call reloads its state")]
    private static partial void LogStateConflict(ILogger logger, GrainId grainId, string detail);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Background work of {GrainId} completed after the activation ended; its completion is dropped")]
    private static partial void LogBackgroundCompletionDropped(ILogger logger, GrainId grainId);
}
