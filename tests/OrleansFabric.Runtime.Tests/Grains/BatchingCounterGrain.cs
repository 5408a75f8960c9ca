namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>A counter whose turns share state writes (group commit).</summary>
[GroupCommit]
public sealed class BatchingCounterGrain(
    [PersistentState("counter")] IPersistentState<CounterState> state) : Grain, IBatchingCounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        var value = state.State.Value += amount;
        await state.WriteStateAsync();
        return value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);
}
