namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>A persistent counter that reports its lifecycle to the probe.</summary>
public sealed class CounterGrain(
    [PersistentState("counter")] IPersistentState<CounterState> state,
    TestProbe probe) : Grain, ICounterGrain
{
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

    public async Task<int> AddAsync(int amount, CancellationToken cancellationToken = default)
    {
        state.State.Value += amount;
        await state.WriteStateAsync(cancellationToken);
        return state.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);

    public Task FailAsync(string message) => throw new ArgumentException(message);

    public Task<string?> GetETagAsync() => Task.FromResult(state.ETag);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
