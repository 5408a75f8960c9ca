using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Tests;

/// <summary>In-memory storage whose writes can be held at a gate, and that counts them.</summary>
public sealed class GatedGrainStorage(InMemoryGrainStorage inner) : IGrainStorage
{
    private TaskCompletionSource? _gate;
    private int _writes;

    public InMemoryGrainStorage Inner { get; } = inner;

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Completed each time a write reaches the storage.</summary>
    public TaskCompletionSource WriteArrived { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds every write until <see cref="Open"/>.</summary>
    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Inner.ReadAsync(grainId, stateName, cancellationToken);

    public async Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        await PassGateAsync().ConfigureAwait(false);
        return await Inner.WriteAsync(grainId, stateName, payload, expectedETag, fence, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken)
    {
        await PassGateAsync().ConfigureAwait(false);
        return await Inner.AppendAsync(grainId, stateName, entry, expectedETag, fence, cancellationToken).ConfigureAwait(false);
    }

    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        Inner.ClearAsync(grainId, stateName, expectedETag, fence, cancellationToken);

    private async Task PassGateAsync()
    {
        Interlocked.Increment(ref _writes);
        var arrived = WriteArrived;
        WriteArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        arrived.TrySetResult();
        if (_gate is { } gate)
        {
            await gate.Task.ConfigureAwait(false);
        }
    }
}
