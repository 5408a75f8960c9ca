using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// The runtime's <see cref="IPersistentState{T}"/>. All members run on the owning
/// activation's context, so its fields need no synchronization. Writes form a pump: one
/// write in flight at a time; writes requested meanwhile wait together for the next one,
/// which serializes the state as it is when that write starts (group commit).
/// </summary>
internal class PersistentState<T> : IPersistentState<T>, IActivationStateStore
    where T : class, new()
{
    private readonly string _stateName;
    private readonly ActivationData _activation;
    private readonly IGrainStorage _storage;
    private readonly JsonTypeInfo<T> _typeInfo;
    private Task _pump = Task.CompletedTask;
    private TaskCompletionSource? _nextWrite;

    public PersistentState(string stateName, ActivationData activation, IGrainStorage storage)
    {
        _stateName = stateName;
        _activation = activation;
        _storage = storage;
        _typeInfo = (JsonTypeInfo<T>)activation.Runtime.SerializerOptions.GetTypeInfo(typeof(T));
        activation.AddStateStore(this);
    }

    public T State { get; set; } = new();

    public string? ETag { get; private set; }

    public bool RecordExists { get; private set; }

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync();
        var record = await _storage.ReadAsync(_activation.GrainId, _stateName, cancellationToken);
        if (record is null)
        {
            State = new T();
            ETag = null;
            RecordExists = false;
            return;
        }

        State = JsonSerializer.Deserialize(record.Payload.Span, _typeInfo) ?? new T();
        ETag = record.ETag;
        RecordExists = true;
        Restored(record);
    }

    public virtual Task WriteStateAsync(CancellationToken cancellationToken = default) => RequestWrite(cancellationToken);

    /// <summary>Completes when no write is in flight or waiting.</summary>
    public Task FlushAsync() => _pump;

    /// <summary>Called after a stored record was read into <see cref="State"/>; a journaled state replays its journal.</summary>
    protected virtual void Restored(GrainStateRecord record)
    {
    }

    /// <summary>One write to storage of what is waiting; returns the new ETag.</summary>
    protected virtual Task<string> SaveAsync() => WriteSnapshotAsync(SerializeState());

    /// <summary>The state serialized as JSON, in a fresh UTF-8 byte array.</summary>
    protected byte[] SerializeState() => JsonSerializer.SerializeToUtf8Bytes(State, _typeInfo);

    /// <summary>Writes <paramref name="payload"/>, the state serialized, replacing the stored payload (and any journal).</summary>
    protected Task<string> WriteSnapshotAsync(byte[] payload) =>
        _storage.WriteAsync(_activation.GrainId, _stateName, payload, ETag, _activation.Fence, CancellationToken.None);

    /// <summary>Appends <paramref name="entry"/> to the stored record's journal.</summary>
    protected Task<string> AppendAsync(byte[] entry) =>
        _storage.AppendAsync(_activation.GrainId, _stateName, entry, ETag!, _activation.Fence, CancellationToken.None);

    /// <summary>Asks for a write of what is waiting; writes asked for while one is in flight share the next.</summary>
    protected Task RequestWrite(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        _activation.TurnAwaitsWrite();
        if (_nextWrite is null)
        {
            _nextWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_pump.IsCompleted)
            {
                var waiting = _nextWrite.Task;
                _pump = PumpAsync();
                return waiting;
            }
        }

        return _nextWrite.Task;
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync();
        cancellationToken.ThrowIfCancellationRequested();
        _activation.WriteStarted();
        try
        {
            await _storage.ClearAsync(_activation.GrainId, _stateName, ETag, _activation.Fence, CancellationToken.None);
        }
        finally
        {
            _activation.WriteCompleted();
        }

        State = new T();
        ETag = null;
        RecordExists = false;
    }

    /// <summary>Serves waiting writers until none is left; never throws (each waiter gets its outcome).</summary>
    private async Task PumpAsync()
    {
        while (_nextWrite is { } waiting)
        {
            _nextWrite = null;
            try
            {
                await WriteOnceAsync();
            }
            catch (Exception exception)
            {
                // What this activation holds is no longer what is stored (a conflict, or a write
                // that failed and may or may not have landed): drop it, so the next call reloads
                // and nothing is ever answered from changes that were not made durable.
                _activation.RequestDeactivation(DeactivationReason.StateConflict);
                waiting.TrySetException(exception);
                continue;
            }

            waiting.TrySetResult();
        }
    }

    private async Task WriteOnceAsync()
    {
        _activation.WriteStarted();
        try
        {
            // SaveAsync serializes before its first await (fresh arrays, handed over to the
            // storage, which may keep them). A started write is never cancelled: it either
            // commits or fails as a whole.
            ETag = await SaveAsync();
            RecordExists = true;
        }
        finally
        {
            _activation.WriteCompleted();
        }
    }
}
