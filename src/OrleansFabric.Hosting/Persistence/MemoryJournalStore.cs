using System.Collections.Concurrent;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Journals in this process's memory: the embedded default's grain state, lost when the silo
/// stops. It holds serialized bytes, so a grain's later changes never reach what is stored
/// until they are written, and a write is checked against the version like any other.
/// </summary>
public sealed class MemoryJournalStore : IJournalStore
{
    private readonly ConcurrentDictionary<string, Journal> _journals = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task<StoredJournal?> ReadAsync(string key)
    {
        if (!_journals.TryGetValue(key, out var journal))
        {
            return Task.FromResult<StoredJournal?>(null);
        }

        lock (journal)
        {
            return Task.FromResult<StoredJournal?>(journal.Version == 0 ? null : new StoredJournal(journal.Version, journal.Snapshot, [.. journal.Entries]));
        }
    }

    /// <inheritdoc/>
    public Task<long> AppendAsync(string key, long expectedVersion, IReadOnlyList<byte[]> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var journal = _journals.GetOrAdd(key, _ => new Journal());
        lock (journal)
        {
            Check(journal, key, expectedVersion);
            journal.Entries.AddRange(entries);
            journal.Version += entries.Count;
            return Task.FromResult(journal.Version);
        }
    }

    /// <inheritdoc/>
    public Task<long> ReplaceAsync(string key, long expectedVersion, byte[]? snapshot)
    {
        var journal = _journals.GetOrAdd(key, _ => new Journal());
        lock (journal)
        {
            Check(journal, key, expectedVersion);
            journal.Snapshot = snapshot;
            journal.Entries.Clear();
            journal.Version++;
            return Task.FromResult(journal.Version);
        }
    }

    private static void Check(Journal journal, string key, long expectedVersion)
    {
        if (journal.Version != expectedVersion)
        {
            throw new InconsistentStateException($"The state of '{key}' is at version {journal.Version}, not {expectedVersion}: another activation wrote it.", journal.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), expectedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private sealed class Journal
    {
        public long Version;
        public byte[]? Snapshot;
        public readonly List<byte[]> Entries = [];
    }
}
