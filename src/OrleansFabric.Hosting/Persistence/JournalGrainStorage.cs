using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// The fabric's grain storage, on an <see cref="IJournalStore"/> (this silo's memory or
/// PostgreSQL). A <see cref="JournaledState"/> is kept as a snapshot plus the entries recorded
/// after it, and a write appends only the entries recorded since the previous write: what a
/// write costs does not grow with what the state remembers (a session's turns and message ids,
/// a batch's assignments). Once the entries outweigh <see cref="CompactionFactor"/> snapshots,
/// the next write stores a new snapshot instead, so a snapshot costs at most
/// 1/<see cref="CompactionFactor"/> of the bytes the entries cost, and a read replays a bounded
/// journal. Any other state is written whole. Each write names the version it follows (the ETag),
/// so a write from an activation that is no longer current fails with
/// <see cref="InconsistentStateException"/> and changes nothing. Entries and snapshots are
/// written with Orleans' serializer.
/// </summary>
public sealed class JournalGrainStorage(string serviceId, IJournalStore store, Serializer serializer, JournalMetrics metrics) : IGrainStorage
{
    /// <summary>A new snapshot is written once the entries after the last one outweigh it this many times.</summary>
    public const int CompactionFactor = 16;

    /// <summary>Small snapshots count as this many bytes, so that a small state is not snapshotted every few writes.</summary>
    public const int MinimumSnapshotBytes = 4096;

    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = Key(stateName, grainId);
        var stored = await store.ReadAsync(key);
        grainState.ETag = stored is null ? null : Format(stored.Version);
        if (stored?.Snapshot is not { } snapshot)
        {
            // Never written, or cleared: the state stays the fresh one the grain got.
            grainState.RecordExists = false;
            return;
        }

        var state = serializer.Deserialize<T>(snapshot);
        if (state is JournaledState journaled)
        {
            long entryBytes = 0;
            foreach (var entry in stored.Entries)
            {
                journaled.Replay(serializer.Deserialize<object>(entry) ?? throw new InvalidOperationException($"State '{stateName}' of {grainId} has an empty journal entry."));
                entryBytes += entry.Length;
            }

            journaled.Journal = new JournalCursor(key, stored.Version, snapshot.Length, entryBytes);
        }
        else if (stored.Entries.Count > 0)
        {
            throw new InvalidOperationException($"State '{stateName}' of {grainId} has journal entries, but {typeof(T)} is not a {nameof(JournaledState)}.");
        }

        grainState.State = state;
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var expected = Parse(grainState.ETag);
        var journaled = grainState.State as JournaledState;
        if (grainState.RecordExists && journaled?.Journal is { } journal && journal.Version == expected)
        {
            var key = journal.Key;
            var count = journal.Unwritten.Count;
            if (count == 0)
            {
                return; // nothing changed since the last write
            }

            var entries = new byte[count][];
            long bytes = 0;
            for (var i = 0; i < count; i++)
            {
                entries[i] = serializer.SerializeToArray(journal.Unwritten[i]);
                bytes += entries[i].Length;
            }

            if (journal.EntryBytes + bytes <= (long)CompactionFactor * Math.Max(journal.SnapshotBytes, MinimumSnapshotBytes))
            {
                var appended = await store.AppendAsync(key, expected, entries);
                journal.Appended(appended, count, bytes);
                grainState.ETag = Format(appended);
                metrics.Written(stateName, JournalMetrics.Append, bytes);
                return;
            }
        }

        // The whole state: the first write, a state that is not journaled, or a compaction.
        var pending = journaled?.Journal?.Unwritten.Count ?? 0;
        var snapshot = serializer.SerializeToArray(grainState.State);
        var whole = journaled?.Journal?.Key ?? Key(stateName, grainId);
        var version = await store.ReplaceAsync(whole, expected, snapshot);
        if (journaled is not null)
        {
            if (journaled.Journal is { } cursor)
            {
                cursor.Snapshotted(version, pending, snapshot.Length);
            }
            else
            {
                journaled.Journal = new JournalCursor(whole, version, snapshot.Length, 0);
            }
        }

        grainState.ETag = Format(version);
        grainState.RecordExists = true;
        metrics.Written(stateName, JournalMetrics.Snapshot, snapshot.Length);
    }

    /// <inheritdoc/>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var version = await store.ReplaceAsync(Key(stateName, grainId), Parse(grainState.ETag), null);
        grainState.ETag = Format(version);
        grainState.RecordExists = false;
        if (grainState.State is JournaledState journaled)
        {
            journaled.Journal = null; // the next write stores the whole state
        }
    }

    private string Key(string stateName, GrainId grainId) => $"{serviceId}/{stateName}/{grainId}";

    private static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static long Parse(string? etag) => etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
}
