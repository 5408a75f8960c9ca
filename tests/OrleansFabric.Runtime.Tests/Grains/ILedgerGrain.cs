namespace OrleansFabric.Runtime.Tests.Grains;

public interface ILedgerGrain : IGrainWithStringKey
{
    /// <summary>Appends an amount (a journal entry); returns the new total.</summary>
    Task<int> AddAsync(int amount);

    /// <summary>Writes a whole snapshot.</summary>
    Task SnapshotAsync();

    /// <summary>Every amount added so far, in order.</summary>
    Task<IReadOnlyList<int>> GetAmountsAsync();

    Task DeactivateAsync();
}
