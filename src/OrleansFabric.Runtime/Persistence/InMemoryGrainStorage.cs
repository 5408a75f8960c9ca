using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// Grain storage in this process's memory, for the embedded single silo and tests. It has
/// exactly the ETag semantics of the PostgreSQL provider; state is lost when the process exits.
/// </summary>
/// <remarks>
/// Each record lives in a slot that is swapped atomically (compare and exchange on the
/// slot's current record), so writes of different grains never wait for each other: every
/// accepted message and every turn writes here, and lock stripes shared by many grains made
/// the writers of a busy silo queue up. A cleared record's slot is closed and removed; a
/// writer that finds a closed slot takes a fresh one. A journal is kept as a chain, newest
/// entry first, so an append allocates one link and nothing it replaces becomes garbage; a
/// read puts the chain in order.
/// </remarks>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    /// <summary>How often a write retries after finding a slot closed by a concurrent clear (each time a fresh slot exists).</summary>
    private const int SlotAttempts = 16;

    private static readonly Stored s_closed = new(ReadOnlyMemory<byte>.Empty, string.Empty, null);

    private readonly ConcurrentDictionary<(GrainId, string), Slot> _slots = new();
    private long _version;
    private int _count;

    /// <summary>The number of stored records.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc/>
    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Current(grainId, stateName));
    }

    /// <inheritdoc/>
    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var etag = NextETag();

        // The writer hands the payload over (IGrainStorage.WriteAsync): kept without a copy.
        var record = new Stored(payload, etag, null);
        if (expectedETag is not null)
        {
            return Replace(grainId, stateName, expectedETag, _ => record);
        }

        for (var attempt = 0; attempt < SlotAttempts; attempt++)
        {
            var slot = _slots.GetOrAdd((grainId, stateName), static _ => new Slot());
            switch (Interlocked.CompareExchange(ref slot.Record, record, null))
            {
                case null:
                    Interlocked.Increment(ref _count);
                    return Task.FromResult(etag);
                case var closed when ReferenceEquals(closed, s_closed):
                    _slots.TryRemove(KeyValuePair.Create((grainId, stateName), slot));
                    continue;
                default:
                    throw Conflict(grainId, stateName, expectedETag);
            }
        }

        throw new InvalidOperationException($"State '{stateName}' of {grainId} was cleared and re-created {SlotAttempts} times during one insert.");
    }

    /// <inheritdoc/>
    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedETag);
        cancellationToken.ThrowIfCancellationRequested();
        var etag = NextETag();

        // Records are never changed in place: the new one links to the previous one's journal.
        return Replace(grainId, stateName, expectedETag, stored => stored with { ETag = etag, Journal = new JournalEntry(entry, stored.Journal) });
    }

    /// <inheritdoc/>
    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (expectedETag is null)
        {
            return Current(grainId, stateName) is null ? Task.CompletedTask : Task.FromException(Conflict(grainId, stateName, expectedETag));
        }

        if (!TryGetLive(grainId, stateName, out var slot, out var stored)
            || stored.ETag != expectedETag
            || !ReferenceEquals(Interlocked.CompareExchange(ref slot.Record, s_closed, stored), stored))
        {
            throw Conflict(grainId, stateName, expectedETag);
        }

        Interlocked.Decrement(ref _count);
        _slots.TryRemove(KeyValuePair.Create((grainId, stateName), slot));
        return Task.CompletedTask;
    }

    private string NextETag() => Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);

    private GrainStateRecord? Current(GrainId grainId, string stateName) =>
        TryGetLive(grainId, stateName, out _, out var stored) ? stored.ToRecord() : null;

    /// <summary>The slot of a stored (not cleared) record and the record in it now.</summary>
    private bool TryGetLive(GrainId grainId, string stateName, [NotNullWhen(true)] out Slot? slot, [NotNullWhen(true)] out Stored? stored)
    {
        if (_slots.TryGetValue((grainId, stateName), out slot) && Volatile.Read(ref slot.Record) is { } current && !ReferenceEquals(current, s_closed))
        {
            stored = current;
            return true;
        }

        stored = null;
        return false;
    }

    /// <summary>Swaps the stored record for <paramref name="next"/>(stored) if its ETag is <paramref name="expectedETag"/>.</summary>
    private Task<string> Replace(GrainId grainId, string stateName, string expectedETag, Func<Stored, Stored> next)
    {
        if (TryGetLive(grainId, stateName, out var slot, out var stored) && stored.ETag == expectedETag)
        {
            var record = next(stored);
            if (ReferenceEquals(Interlocked.CompareExchange(ref slot.Record, record, stored), stored))
            {
                return Task.FromResult(record.ETag);
            }
        }

        throw Conflict(grainId, stateName, expectedETag);
    }

    private InconsistentStateException Conflict(GrainId grainId, string stateName, string? expectedETag) =>
        new($"State '{stateName}' of {grainId} was changed by another writer (expected ETag '{expectedETag ?? "<none>"}').")
        {
            ExpectedETag = expectedETag,
            StoredETag = TryGetLive(grainId, stateName, out _, out var stored) ? stored.ETag : null,
        };

    /// <summary>Where one record lives: null before the first write, <see cref="s_closed"/> once cleared.</summary>
    private sealed class Slot
    {
        public Stored? Record;
    }

    /// <summary>A record as kept: its journal newest first, so an append allocates one link.</summary>
    private sealed record Stored(ReadOnlyMemory<byte> Payload, string ETag, JournalEntry? Journal)
    {
        public GrainStateRecord ToRecord()
        {
            if (Journal is null)
            {
                return new GrainStateRecord(Payload, ETag);
            }

            var journal = new ReadOnlyMemory<byte>[Journal.Count];
            for (var entry = Journal; entry is not null; entry = entry.Previous)
            {
                journal[entry.Count - 1] = entry.Entry;
            }

            return new GrainStateRecord(Payload, ETag) { Journal = journal };
        }
    }

    /// <summary>One journal entry and the ones before it; <see cref="Count"/> includes this one.</summary>
    private sealed class JournalEntry(ReadOnlyMemory<byte> entry, JournalEntry? previous)
    {
        public ReadOnlyMemory<byte> Entry { get; } = entry;

        public JournalEntry? Previous { get; } = previous;

        public int Count { get; } = (previous?.Count ?? 0) + 1;
    }
}
