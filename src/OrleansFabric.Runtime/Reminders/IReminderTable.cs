namespace OrleansFabric.Runtime.Reminders;

/// <summary>Durable storage of reminders (in memory on the embedded silo, PostgreSQL in a cluster).</summary>
public interface IReminderTable
{
    /// <summary>Inserts or replaces a reminder and returns its new ETag (the entry's own ETag is ignored).</summary>
    Task<string> UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken);

    /// <summary>Deletes a reminder; with an ETag, only if it is unchanged. True if a row was deleted.</summary>
    Task<bool> RemoveAsync(GrainId grainId, string name, string? etag, CancellationToken cancellationToken);

    /// <summary>Reads all reminders of the given partitions.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken);
}
