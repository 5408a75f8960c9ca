namespace OrleansFabric.TestSiloHost;

/// <summary>A counter that records which operations it applied, so a test can prove none was lost or applied twice.</summary>
public interface ILedgerGrain : IGrainWithStringKey
{
    Task<int> ApplyAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>Waits <paramref name="delayMs"/> inside the turn, then applies (a turn that is still running when its silo is paused).</summary>
    Task<int> ApplySlowlyAsync(string operationId, int delayMs, CancellationToken cancellationToken = default);

    /// <summary>Registers a one-shot reminder due in <paramref name="seconds"/>; its tick appends <c>reminder:{name}</c>.</summary>
    Task RemindAsync(string name, int seconds, CancellationToken cancellationToken = default);

    [ReadOnly]
    Task<IReadOnlyList<string>> GetOperationsAsync(CancellationToken cancellationToken = default);
}
