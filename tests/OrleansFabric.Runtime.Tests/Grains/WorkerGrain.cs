namespace OrleansFabric.Runtime.Tests.Grains;

public sealed class WorkerGrain(
    [PersistentState("worker")] IPersistentState<WorkerState> state,
    TestProbe probe) : Grain, IWorkerGrain, IRemindable
{
    private BackgroundWork? _work;
    private IDisposable? _timer;
    private int _failNextTicks;
    private int _touches;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment("activate:" + GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Increment($"deactivate:{GetPrimaryKeyString()}:{reason}");
        return Task.CompletedTask;
    }

    public async Task<string> WaitForGateAsync(string gate)
    {
        probe.Increment("waiting:" + gate);
        await probe.Gate(gate).Task;
        probe.Increment("passed:" + gate);
        return gate;
    }

    public Task<string> TouchAsync(CancellationToken cancellationToken = default)
    {
        _touches++;
        probe.Increment("touch");
        return Task.FromResult($"touch {_touches}");
    }

    public Task<string> PeekAsync()
    {
        probe.Increment("peek");
        return Task.FromResult($"peek {_touches}");
    }

    public Task StartWorkAsync(string gate)
    {
        _work = StartBackgroundWork(
            async cancellationToken =>
            {
                probe.Increment("work-started");
                await probe.Gate(gate).Task.WaitAsync(cancellationToken);
                return gate;
            },
            result =>
            {
                probe.Increment(result.IsCanceled ? "work-canceled" : $"work-done:{result.Value}");
                return Task.CompletedTask;
            });
        return Task.CompletedTask;
    }

    public Task CancelWorkAsync()
    {
        _work?.Cancel();
        return Task.CompletedTask;
    }

    public Task StartTimerAsync(TimeSpan dueTime, TimeSpan period)
    {
        _timer = RegisterTimer(
            _ =>
            {
                probe.Increment("timer");
                return Task.CompletedTask;
            },
            dueTime,
            period);
        return Task.CompletedTask;
    }

    public Task StopTimerAsync()
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public Task RemindAsync(string name, TimeSpan dueTime, TimeSpan period) => RegisterOrUpdateReminderAsync(name, dueTime, period);

    public Task ForgetAsync(string name) => UnregisterReminderAsync(name);

    public Task FailNextTicksAsync(int count)
    {
        _failNextTicks = count;
        return Task.CompletedTask;
    }

    public Task ReceiveReminderAsync(string reminderName, TickStatus status, CancellationToken cancellationToken)
    {
        if (_failNextTicks > 0)
        {
            _failNextTicks--;
            probe.Increment("reminder-failed:" + reminderName);
            throw new InvalidOperationException("tick failed on purpose");
        }

        probe.Increment("reminder:" + reminderName);
        probe.Events.Enqueue($"tick:{reminderName}:{status.CurrentTickTime:O}");
        return Task.CompletedTask;
    }

    public async Task WriteAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public async Task WriteAfterGateAsync(string gate, string value)
    {
        probe.Increment("waiting:" + gate);
        await probe.Gate(gate).Task;
        state.State.Value = value;
        await state.WriteStateAsync();
    }
}
