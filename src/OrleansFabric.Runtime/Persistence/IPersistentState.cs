namespace OrleansFabric.Runtime;

/// <summary>
/// A grain's persistent state, read when the grain activates. Every write is conditional on
/// the ETag last read or written: if storage holds another ETag (another activation wrote,
/// or the record was deleted), the write throws <see cref="InconsistentStateException"/> and
/// the activation is dropped. Concurrent writes of one activation are coalesced: a write
/// requested while another is in flight shares the next one.
/// </summary>
/// <typeparam name="T">The state type, serialized as JSON.</typeparam>
public interface IPersistentState<T>
    where T : class, new()
{
    /// <summary>The state; a new <typeparamref name="T"/> when no record exists.</summary>
    T State { get; set; }

    /// <summary>The ETag of the stored record this state was read from or last written as; null when there is none.</summary>
    string? ETag { get; }

    /// <summary>True when a stored record exists.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the stored record again, replacing <see cref="State"/>.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <see cref="State"/>; completes when it is durable.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored record (ETag-checked) and resets <see cref="State"/> to a new instance.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
