using OrleansFabric.Runtime;

namespace OrleansFabric.TestSiloHost;

/// <summary>Appends every operation it is asked to apply (duplicates included, so a test sees them) and persists before answering.</summary>
public sealed class LedgerGrain([PersistentState("ledger")] IPersistentState<LedgerState> state) : Grain, ILedgerGrain, IRemindable
{
    public async Task<int> ApplyAsync(string operationId, CancellationToken cancellationToken = default)
    {
        state.State.Operations.Add(operationId);
        await state.WriteStateAsync(cancellationToken);
        return state.State.Operations.Count;
    }

    public async Task<int> ApplySlowlyAsync(string operationId, int delayMs, CancellationToken cancellationToken = default)
    {
        await Task.Delay(delayMs, CancellationToken.None);
        return await ApplyAsync(operationId, cancellationToken);
    }

    public Task RemindAsync(string name, int seconds, CancellationToken cancellationToken = default) =>
        RegisterOrUpdateReminderAsync(name, TimeSpan.FromSeconds(seconds), TimeSpan.Zero, cancellationToken);

    public async Task ReceiveReminderAsync(string reminderName, TickStatus status, CancellationToken cancellationToken) =>
        await ApplyAsync($"reminder:{reminderName}", cancellationToken);

    public Task<IReadOnlyList<string>> GetOperationsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Operations]);
}
