namespace OrleansFabric.TestSiloHost;

/// <summary>A counter that records which operations it applied, so a test can prove none was lost or applied twice.</summary>
public interface ILedgerGrain : IGrainWithStringKey
{
    Task<int> ApplyAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>Waits <paramref name="delayMs"/> inside the turn, then applies (a turn that is still running when its silo is paused).</summary>
    Task<int> ApplySlowlyAsync(string operationId, int delayMs, CancellationToken cancellationToken = default);

    [ReadOnly]
    Task<IReadOnlyList<string>> GetOperationsAsync(CancellationToken cancellationToken = default);
}
