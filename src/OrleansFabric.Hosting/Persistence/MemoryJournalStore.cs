using System.Buffers.Binary;
using System.Collections.Concurrent;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Journals in this process's memory: the embedded default's grain state, lost when the silo
/// stops. It holds serialized bytes, so a grain's later changes never reach what is stored
/// until they are written, and a write is checked against the version like any other.
/// Each journal is one array, the snapshot followed by the entries (each after its length),
/// rather than an array per entry in a list: an idle grain's few entries cost a few bytes of
/// framing each, not an object each.
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
            return Task.FromResult(journal.Read());
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
            journal.Append(entries);
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
            journal.Replace(snapshot);
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

    /// <summary>
    /// One journal: <c>_data[.._snapshotLength]</c> is the snapshot (none while the length is
    /// -1: never written, or cleared), then up to <c>_length</c> the entries, each after its
    /// length (4 bytes). Guarded by locking the journal.
    /// </summary>
    private sealed class Journal
    {
        /// <summary>Below this an append grows the array to the exact size; above it, by half again, so that appends to a large journal copy a bounded number of bytes on average.</summary>
        private const int ExactGrowthBytes = 4096;

        private const int LengthBytes = sizeof(int);

        private byte[]? _data;
        private int _snapshotLength = -1;
        private int _length;

        public long Version { get; private set; }

        public StoredJournal? Read()
        {
            if (Version == 0)
            {
                return null;
            }

            var data = _data.AsSpan(0, _length);
            var entries = new List<byte[]>();
            for (var at = Math.Max(_snapshotLength, 0); at < data.Length;)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
                at += LengthBytes;
                entries.Add(data.Slice(at, length).ToArray());
                at += length;
            }

            return new StoredJournal(Version, _snapshotLength < 0 ? null : data[.._snapshotLength].ToArray(), entries);
        }

        public void Append(IReadOnlyList<byte[]> entries)
        {
            var needed = _length;
            foreach (var entry in entries)
            {
                needed += LengthBytes + entry.Length;
            }

            if (_data is null || needed > _data.Length)
            {
                var capacity = needed <= ExactGrowthBytes ? needed : Math.Max(needed, _length + (_length / 2));
                var grown = new byte[capacity];
                _data?.AsSpan(0, _length).CopyTo(grown);
                _data = grown;
            }

            foreach (var entry in entries)
            {
                BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(_length), entry.Length);
                _length += LengthBytes;
                entry.CopyTo(_data, _length);
                _length += entry.Length;
            }

            Version += entries.Count;
        }

        public void Replace(byte[]? snapshot)
        {
            // The serialized snapshot is exactly its size, so it becomes the journal as it is.
            _data = snapshot;
            _snapshotLength = snapshot?.Length ?? -1;
            _length = snapshot?.Length ?? 0;
            Version++;
        }
    }
}
