namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// A <see cref="JournaledState"/>'s place in its journal: the stored version it reflects, the
/// sizes that decide when the next write is a snapshot, and the entries recorded since the
/// last write, and the state's key in its store (made once per activation, not per write).
/// </summary>
internal sealed class JournalCursor(string key, long version, long snapshotBytes, long entryBytes)
{
    /// <summary>Entries recorded since the last write, oldest first; null while there are none (an idle grain keeps no list).</summary>
    private List<object>? _unwritten;

    /// <summary>Where the state is kept in its <see cref="IJournalStore"/>.</summary>
    public string Key { get; } = key;

    /// <summary>The stored version the state reflects, the unwritten entries aside.</summary>
    public long Version { get; private set; } = version;

    /// <summary>The size of the stored snapshot.</summary>
    public long SnapshotBytes { get; private set; } = snapshotBytes;

    /// <summary>The size of the entries stored after the snapshot.</summary>
    public long EntryBytes { get; private set; } = entryBytes;

    /// <summary>Entries recorded since the last write, oldest first.</summary>
    public IReadOnlyList<object> Unwritten => (IReadOnlyList<object>?)_unwritten ?? [];

    /// <summary>Remembers <paramref name="entry"/> for the next write.</summary>
    public void Record(object entry) => (_unwritten ??= []).Add(entry);

    /// <summary>The first <paramref name="entries"/> unwritten entries were appended, making the stored version <paramref name="version"/>.</summary>
    public void Appended(long version, int entries, long bytes)
    {
        Version = version;
        EntryBytes += bytes;
        Written(entries);
    }

    /// <summary>A snapshot holding the first <paramref name="entries"/> unwritten entries was stored as version <paramref name="version"/>.</summary>
    public void Snapshotted(long version, int entries, long bytes)
    {
        Version = version;
        SnapshotBytes = bytes;
        EntryBytes = 0;
        Written(entries);
    }

    /// <summary>Forgets the first <paramref name="entries"/> unwritten entries (those recorded during the write stay).</summary>
    private void Written(int entries)
    {
        if (_unwritten is null)
        {
            return;
        }

        _unwritten.RemoveRange(0, entries);
        if (_unwritten.Count == 0)
        {
            _unwritten = null;
        }
    }
}
