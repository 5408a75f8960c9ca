namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>A journaled ledger: each amount is a journal entry; its turns share writes (group commit).</summary>
[GroupCommit]
public sealed class LedgerGrain(
    [PersistentState("ledger")] IJournaledState<LedgerState, LedgerEntry> state) : Grain, ILedgerGrain
{
    public async Task<int> AddAsync(int amount)
    {
        var durable = state.AppendAsync(new LedgerEntry(amount));
        var total = state.State.Amounts.Sum();
        await durable;
        return total;
    }

    public Task SnapshotAsync() => state.WriteStateAsync();

    public Task<IReadOnlyList<int>> GetAmountsAsync() => Task.FromResult<IReadOnlyList<int>>([.. state.State.Amounts]);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed record LedgerEntry(int Amount);

public sealed class LedgerState : IJournaled<LedgerEntry>
{
    public List<int> Amounts { get; set; } = [];

    public void Apply(LedgerEntry entry) => Amounts.Add(entry.Amount);
}
