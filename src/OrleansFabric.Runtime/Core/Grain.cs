using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.Runtime.Timers;

namespace OrleansFabric.Runtime;

/// <summary>
/// Base class of grain implementations. A grain handles one turn at a time on its activation:
/// code between awaits never runs concurrently with other code of the same activation, so
/// grain fields need no locks. Slow work (LLM calls, HTTP) belongs in
/// <see cref="StartBackgroundWork{T}"/>, not in a turn, so the mailbox keeps moving.
/// </summary>
public abstract class Grain
{
    private ActivationData? _context;

    /// <summary>The activation running this grain; set by the runtime right after construction.</summary>
    internal ActivationData Context
    {
        get => _context ?? throw new InvalidOperationException("The grain is not attached to an activation yet; use OnActivateAsync rather than the constructor.");
        set => _context = value;
    }

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => Context.GrainId;

    /// <summary>This grain's key.</summary>
    public string GetPrimaryKeyString() => Context.GrainId.Key;

    /// <summary>A factory for references to other grains.</summary>
    protected IGrainFactory GrainFactory => Context.Runtime.GrainFactory;

    /// <summary>Called once when the activation starts, after its persistent state has been read.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called once when the activation ends (idle timeout, explicit request, hand-off or
    /// shutdown), after its last turn. Write any state that must survive here.
    /// Not called when the activation is dropped after a state conflict.
    /// </summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this grain once the current turn ends; queued calls go to a new activation.</summary>
    protected void DeactivateOnIdle() => Context.RequestDeactivation(DeactivationReason.Requested);

    /// <summary>
    /// Starts a timer whose ticks run as turns of this activation (never concurrently with
    /// other turns). A tick is skipped while the previous one is still queued or running.
    /// The timer ends with the activation or when disposed; it does not keep the grain active.
    /// </summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        GrainTimer.Start(Context, callback, dueTime, period);

    /// <summary>
    /// Registers or replaces a durable reminder. It fires <see cref="IRemindable.ReceiveReminderAsync"/>
    /// at <paramref name="dueTime"/> from now and then every <paramref name="period"/>
    /// (<see cref="TimeSpan.Zero"/> for a one-shot reminder), activating the grain if needed,
    /// on whichever silo owns the grain at that time.
    /// </summary>
    protected Task RegisterOrUpdateReminderAsync(string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default) =>
        Context.Runtime.Reminders.RegisterOrUpdateAsync(GrainId, name, dueTime, period, cancellationToken);

    /// <summary>Removes a reminder of this grain; nothing happens if there is none of that name.</summary>
    protected Task UnregisterReminderAsync(string name, CancellationToken cancellationToken = default) =>
        Context.Runtime.Reminders.UnregisterAsync(GrainId, name, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> off the mailbox (on the thread pool) and delivers its
    /// outcome to <paramref name="onCompleted"/> as a new turn of this activation, in order
    /// with other messages. The work's token is cancelled by <see cref="BackgroundWork.Cancel"/>
    /// or when the activation ends; the completion turn still runs after a cancel (with
    /// <see cref="BackgroundResult{T}.IsCanceled"/> set) unless the activation has ended.
    /// Running background work keeps the activation from idle deactivation.
    /// </summary>
    /// <param name="work">The work; its token is cancelled as described above.</param>
    /// <param name="onCompleted">The completion turn.</param>
    /// <param name="alsoCancelledBy">A token of the caller's that cancels the work's token too (one token for the work to watch).</param>
    protected BackgroundWork StartBackgroundWork<T>(Func<CancellationToken, Task<T>> work, Func<BackgroundResult<T>, Task> onCompleted, CancellationToken alsoCancelledBy = default) =>
        BackgroundWork.Start(Context, work, onCompleted, alsoCancelledBy);
}
