namespace OrleansFabric.Runtime;

/// <summary>
/// A state type whose changes are journaled: each change is an entry, and applying the same
/// entries in the same order to the same state gives the same state. The runtime applies an
/// entry once when it is appended, and again to the stored snapshot when a later activation
/// reads the state back.
/// </summary>
/// <typeparam name="TEntry">One change, serialized as JSON; treat it as immutable once appended.</typeparam>
public interface IJournaled<in TEntry>
{
    /// <summary>Applies one change. Deterministic: it may read only this state and the entry.</summary>
    void Apply(TEntry entry);
}

/// <summary>
/// A grain's persistent state kept as a snapshot plus a journal of changes. Appending a change
/// writes only the change, so the cost of making it durable does not grow with the state; the
/// runtime writes a whole snapshot (and drops the journal) once the journal is as large as
/// the last snapshot, so reading the state back never replays more than that. ETags, fencing,
/// group commit and failure handling are those of <see cref="IPersistentState{T}"/>: an append
/// that fails drops the activation, and the next one reads what is durable.
/// </summary>
/// <typeparam name="TState">The state, serialized as JSON in snapshots.</typeparam>
/// <typeparam name="TEntry">One change, serialized as JSON in the journal.</typeparam>
public interface IJournaledState<TState, in TEntry> : IPersistentState<TState>
    where TState : class, IJournaled<TEntry>, new()
{
    /// <summary>
    /// Applies <paramref name="entry"/> to <see cref="IPersistentState{T}.State"/> now and
    /// completes when it is durable. Entries appended while a write is in flight are written
    /// together by the next one. <see cref="IPersistentState{T}.WriteStateAsync"/> still writes
    /// a whole snapshot, which covers every entry applied before it.
    /// </summary>
    Task AppendAsync(TEntry entry, CancellationToken cancellationToken = default);
}
