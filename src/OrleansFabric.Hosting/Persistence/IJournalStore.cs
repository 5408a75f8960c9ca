namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Where <see cref="JournalGrainStorage"/> keeps each state: a version, a snapshot (null once
/// cleared) and the entries appended after it. Every change is checked against the version
/// the caller expects (0: none stored yet) and fails with
/// <see cref="Orleans.Storage.InconsistentStateException"/>, changing nothing, when another
/// writer moved it on.
/// </summary>
public interface IJournalStore
{
    /// <summary>The journal stored under <paramref name="key"/>, or null when there is none.</summary>
    Task<StoredJournal?> ReadAsync(string key);

    /// <summary>Appends <paramref name="entries"/>; the new version is <paramref name="expectedVersion"/> plus their count.</summary>
    Task<long> AppendAsync(string key, long expectedVersion, IReadOnlyList<byte[]> entries);

    /// <summary>Replaces the snapshot and drops every entry; the new version is <paramref name="expectedVersion"/> + 1.</summary>
    Task<long> ReplaceAsync(string key, long expectedVersion, byte[]? snapshot);
}

/// <summary>A stored journal: its version, its snapshot (null once cleared) and the entries appended after it, oldest first.</summary>
public sealed record StoredJournal(long Version, byte[]? Snapshot, IReadOnlyList<byte[]> Entries);
