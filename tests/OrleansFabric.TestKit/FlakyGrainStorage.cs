using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansFabric.TestKit;

/// <summary>
/// Grain storage in memory whose next <see cref="FailNextWrites"/> writes throw, as a database
/// that is down would. It keeps serialized copies, so what it holds is what is durable.
/// </summary>
public sealed class FlakyGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(GrainId Grain, string State), (byte[] Data, string ETag)> _records = new();
    private Serializer? _serializer;
    private int _failNextWrites;

    /// <summary>Writes that fail (counting down); the others succeed.</summary>
    public int FailNextWrites
    {
        get => Volatile.Read(ref _failNextWrites);
        set => Volatile.Write(ref _failNextWrites, value);
    }

    private Serializer Serializer => _serializer ?? throw new InvalidOperationException("The storage is not attached to a silo.");

    /// <summary>Called by the silo that uses this storage.</summary>
    public FlakyGrainStorage Attach(Serializer serializer)
    {
        _serializer = serializer;
        return this;
    }

    /// <summary>
    /// The durable state of <paramref name="grain"/>, or default when none is stored; read with
    /// <paramref name="serializer"/> when given (the silo's is gone once it stopped).
    /// </summary>
    public T? Stored<T>(GrainId grain, string stateName, Serializer? serializer = null) =>
        _records.TryGetValue((grain, stateName), out var record) ? (serializer ?? Serializer).Deserialize<T>(record.Data) : default;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (_records.TryGetValue((grainId, stateName), out var record))
        {
            grainState.State = Serializer.Deserialize<T>(record.Data);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (Interlocked.Decrement(ref _failNextWrites) >= 0)
        {
            throw new IOException("The database is down.");
        }

        Interlocked.Increment(ref _failNextWrites);
        var etag = Guid.NewGuid().ToString("N");
        _records[(grainId, stateName)] = (Serializer.SerializeToArray(grainState.State), etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        _records.TryRemove((grainId, stateName), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
