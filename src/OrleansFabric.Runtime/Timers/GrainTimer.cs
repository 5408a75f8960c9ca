using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Runtime.Timers;

/// <summary>
/// A timer whose ticks run as turns of one activation. It runs on the silo's
/// <see cref="TimeProvider"/> (so tests drive it with a manual clock), skips a tick while
/// the previous one is still waiting or running, and ends with the activation.
/// </summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private ITimer? _timer;
    private CancellationTokenRegistration _lifetimeRegistration;
    private int _tickPending;
    private int _disposed;

    private GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback)
    {
        _activation = activation;
        _callback = callback;
    }

    public static GrainTimer Start(ActivationData activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        var timer = new GrainTimer(activation, callback);
        timer._timer = activation.Runtime.Time.CreateTimer(
            static state => ((GrainTimer)state!).Tick(),
            timer,
            dueTime,
            period == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : period);
        timer._lifetimeRegistration = activation.Lifetime.UnsafeRegister(static state => ((GrainTimer)state!).Dispose(), timer);
        return timer;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _timer?.Dispose();
        _lifetimeRegistration.Dispose();
    }

    private void Tick()
    {
        if (Volatile.Read(ref _disposed) == 1 || Interlocked.Exchange(ref _tickPending, 1) == 1)
        {
            return;
        }

        if (!_activation.TryEnqueue(new TickRequest(this)))
        {
            Dispose();
        }
    }

    private Task RunTickAsync()
    {
        Volatile.Write(ref _tickPending, 0);
        return Volatile.Read(ref _disposed) == 1 ? Task.CompletedTask : _callback(_activation.Lifetime);
    }

    private sealed class TickRequest(GrainTimer timer) : SystemRequest(s_method)
    {
        private static readonly GrainMethod s_method = Describe("TimerTick");

        public override bool KeepsActivationAlive => false;

        protected override ValueTask<VoidResult> InvokeCore(object grain) => AwaitVoid(timer.RunTickAsync());
    }
}
