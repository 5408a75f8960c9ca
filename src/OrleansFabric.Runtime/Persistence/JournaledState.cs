using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// The runtime's <see cref="IJournaledState{TState, TEntry}"/>. A write appends the entries
/// applied since the last one as one journal entry (a JSON array), unless a snapshot is due:
/// when no record exists yet, when the grain asked for one (<see cref="WriteStateAsync"/>), or
/// when the journal has grown as large as the last snapshot (or to
/// <see cref="MaxJournalEntries"/> entries). So a change costs its own size plus, amortized,
/// about as much again for snapshots, and a read replays at most one snapshot's worth.
/// </summary>
internal sealed class JournaledState<TState, TEntry> : PersistentState<TState>, IJournaledState<TState, TEntry>
    where TState : class, IJournaled<TEntry>, new()
{
    /// <summary>Journal entries (appends) after which the next write is a snapshot, whatever their size.</summary>
    internal const int MaxJournalEntries = 256;

    private readonly JsonTypeInfo<List<TEntry>> _entriesTypeInfo;
    private List<TEntry> _unsaved = [];
    private bool _snapshotRequested;
    private long _snapshotBytes;
    private long _journalBytes;
    private int _journalEntries;

    public JournaledState(string stateName, ActivationData activation, IGrainStorage storage)
        : base(stateName, activation, storage)
    {
        _entriesTypeInfo = (JsonTypeInfo<List<TEntry>>)activation.Runtime.SerializerOptions.GetTypeInfo(typeof(List<TEntry>));
    }

    public Task AppendAsync(TEntry entry, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        State.Apply(entry);
        _unsaved.Add(entry);
        return RequestWrite(cancellationToken);
    }

    public override Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            _snapshotRequested = true;
        }

        return RequestWrite(cancellationToken);
    }

    protected override void Restored(GrainStateRecord record)
    {
        foreach (var payload in record.Journal)
        {
            foreach (var entry in JsonSerializer.Deserialize(payload.Span, _entriesTypeInfo) ?? [])
            {
                State.Apply(entry);
            }
        }

        _unsaved.Clear();
        _snapshotRequested = false;
        _snapshotBytes = record.Payload.Length;
        _journalBytes = record.Journal.Sum(entry => (long)entry.Length);
        _journalEntries = record.Journal.Count;
    }

    protected override Task<string> SaveAsync()
    {
        var snapshotDue = _snapshotRequested || !RecordExists || _journalBytes >= _snapshotBytes || _journalEntries >= MaxJournalEntries;
        // Nothing unsaved happens only when a reload dropped the entries a waiting write was
        // for; the state as it is now is then what to write.
        if (snapshotDue || _unsaved.Count == 0)
        {
            // The snapshot is State as it is now, with every entry applied so far.
            var payload = SerializeState();
            _unsaved.Clear();
            _snapshotRequested = false;
            _snapshotBytes = payload.Length;
            _journalBytes = 0;
            _journalEntries = 0;
            return WriteSnapshotAsync(payload);
        }

        var entries = JsonSerializer.SerializeToUtf8Bytes(_unsaved, _entriesTypeInfo);
        _unsaved = [];
        _journalBytes += entries.Length;
        _journalEntries++;
        return AppendAsync(entries);
    }
}
