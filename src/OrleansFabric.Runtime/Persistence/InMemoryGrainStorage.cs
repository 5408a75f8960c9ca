using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// Grain storage in this process's memory, for the embedded single silo and tests. It has
/// exactly the ETag semantics of the PostgreSQL provider; state is lost when the process exits.
/// </summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    // Many lock stripes: every write of every grain updates this dictionary, and with the
    // default (one stripe per core) writers on different cores kept waiting for each other.
    private readonly ConcurrentDictionary<(GrainId, string), GrainStateRecord> _records = new(Environment.ProcessorCount * 16, 1024);
    private long _version;

    /// <summary>The number of stored records.</summary>
    public int Count => _records.Count;

    /// <inheritdoc/>
    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_records.TryGetValue((grainId, stateName), out var record) ? record : null);
    }

    /// <inheritdoc/>
    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = (grainId, stateName);
        var etag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        // The writer hands the payload over (IGrainStorage.WriteAsync): kept without a copy.
        var record = new GrainStateRecord(payload, etag);
        if (expectedETag is null)
        {
            if (!_records.TryAdd(key, record))
            {
                throw Conflict(grainId, stateName, expectedETag);
            }
        }
        else if (!_records.TryGetValue(key, out var stored) || stored.ETag != expectedETag || !_records.TryUpdate(key, record, stored))
        {
            throw Conflict(grainId, stateName, expectedETag);
        }

        return Task.FromResult(etag);
    }

    /// <inheritdoc/>
    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expectedETag);
        cancellationToken.ThrowIfCancellationRequested();
        var key = (grainId, stateName);
        if (!_records.TryGetValue(key, out var stored) || stored.ETag != expectedETag)
        {
            throw Conflict(grainId, stateName, expectedETag);
        }

        var etag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);

        // Records are never changed in place: a reader holding the previous one keeps its journal.
        // An immutable list shares all but O(log n) of itself with the previous record's.
        var journal = stored.Journal as ImmutableList<ReadOnlyMemory<byte>> ?? [.. stored.Journal];
        var record = stored with { ETag = etag, Journal = journal.Add(entry) };
        if (!_records.TryUpdate(key, record, stored))
        {
            throw Conflict(grainId, stateName, expectedETag);
        }

        return Task.FromResult(etag);
    }

    /// <inheritdoc/>
    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = (grainId, stateName);
        if (expectedETag is null)
        {
            return _records.ContainsKey(key) ? Task.FromException(Conflict(grainId, stateName, expectedETag)) : Task.CompletedTask;
        }

        if (!_records.TryGetValue(key, out var stored) || stored.ETag != expectedETag || !_records.TryRemove(KeyValuePair.Create(key, stored)))
        {
            throw Conflict(grainId, stateName, expectedETag);
        }

        return Task.CompletedTask;
    }

    private InconsistentStateException Conflict(GrainId grainId, string stateName, string? expectedETag) =>
        new($"State '{stateName}' of {grainId} was changed by another writer (expected ETag '{expectedETag ?? "<none>"}').")
        {
            ExpectedETag = expectedETag,
            StoredETag = _records.TryGetValue((grainId, stateName), out var stored) ? stored.ETag : null,
        };
}
