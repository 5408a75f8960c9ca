using System.Collections.Concurrent;
using System.Globalization;

namespace OrleansFabric.Runtime.Reminders;

/// <summary>Reminders kept in this process's memory, for the embedded single silo and tests.</summary>
public sealed class InMemoryReminderTable : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId, string), ReminderEntry> _entries = new();
    private long _version;

    /// <summary>The number of stored reminders.</summary>
    public int Count => _entries.Count;

    /// <inheritdoc/>
    public Task<string> UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        var etag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        _entries[(entry.GrainId, entry.Name)] = entry with { ETag = etag };
        return Task.FromResult(etag);
    }

    /// <inheritdoc/>
    public Task<bool> RemoveAsync(GrainId grainId, string name, string? etag, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = (grainId, name);
        if (!_entries.TryGetValue(key, out var stored) || (etag is not null && stored.ETag != etag))
        {
            return Task.FromResult(false);
        }

        return Task.FromResult(_entries.TryRemove(KeyValuePair.Create(key, stored)));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = partitions as ISet<int> ?? partitions.ToHashSet();
        IReadOnlyList<ReminderEntry> result = [.. _entries.Values.Where(entry => wanted.Contains(entry.Partition))];
        return Task.FromResult(result);
    }
}
