namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// A grain state storage provider. Every implementation has the same ETag semantics:
/// a write or clear with <c>expectedETag</c> null succeeds only if no record exists; with an
/// ETag, only if the stored record has exactly that ETag. Otherwise it throws
/// <see cref="InconsistentStateException"/> and changes nothing. The fence carries the
/// writer's partition lease; a provider that enforces leases rejects writes from a silo
/// that no longer holds the partition at that epoch.
/// <para>
/// A record may carry a journal: entries appended after its payload (a snapshot), each
/// changing the record's ETag like a write. A write replaces the payload and discards the
/// journal; a clear deletes both. Reading returns the payload with the journal in append order.
/// </para>
/// </summary>
public interface IGrainStorage
{
    /// <summary>Reads a record, or null when there is none.</summary>
    Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a record and returns its new ETag. The caller hands <paramref name="payload"/>
    /// over and never changes it afterwards, so a provider may keep it as it is.
    /// </summary>
    Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken);

    /// <summary>
    /// Appends one journal entry to an existing record and returns its new ETag, with the same
    /// ETag and fence checks as a write (there is no append without a record:
    /// <paramref name="expectedETag"/> is required). The caller hands <paramref name="entry"/> over.
    /// </summary>
    Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken);

    /// <summary>Deletes a record and its journal.</summary>
    Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken);
}
