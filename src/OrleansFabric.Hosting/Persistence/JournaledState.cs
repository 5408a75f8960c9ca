namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// A grain state whose every change is an entry: a change is made by <see cref="Record"/>, which
/// applies the entry (<see cref="Apply"/>) and, when the state is kept by
/// <see cref="JournalGrainStorage"/>, remembers it, so that the next write appends the entries
/// recorded since the last one instead of rewriting the whole state. Replaying the stored entries
/// on the stored snapshot gives the state back, so <see cref="Apply"/> must depend on nothing but
/// the state and the entry (no clock, no random number: those go into the entry). Entries are
/// immutable <c>[GenerateSerializer]</c> types. With any other grain storage the state is written
/// whole and nothing is remembered.
/// </summary>
[GenerateSerializer]
public abstract class JournaledState
{
    [NonSerialized]
    private JournalCursor? _journal;

    /// <summary>Where the state stands in its journal; set by <see cref="JournalGrainStorage"/>, never serialized.</summary>
    internal JournalCursor? Journal
    {
        get => _journal;
        set => _journal = value;
    }

    /// <summary>Applies <paramref name="entry"/> and remembers it for the next write.</summary>
    protected void Record(object entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Apply(entry);
        Journal?.Record(entry);
    }

    /// <summary>Changes the state as <paramref name="entry"/> says (a new change or a stored one replayed).</summary>
    protected abstract void Apply(object entry);

    /// <summary>Replays a stored entry.</summary>
    internal void Replay(object entry) => Apply(entry);
}
