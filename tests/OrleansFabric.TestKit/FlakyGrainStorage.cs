using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.TestKit;

/// <summary>
/// In-memory grain storage whose next <see cref="FailNextWrites"/> writes (journal appends
/// included) fail as a database outage would (an I/O error, not an ETag conflict), storing nothing.
/// </summary>
public sealed class FlakyGrainStorage : IGrainStorage
{
    private int _failNextWrites;

    /// <summary>The storage underneath, to look at what is durable.</summary>
    public InMemoryGrainStorage Inner { get; } = new();

    /// <summary>Writes that fail before reaching the store (counting down).</summary>
    public int FailNextWrites
    {
        get => Volatile.Read(ref _failNextWrites);
        set => Volatile.Write(ref _failNextWrites, value);
    }

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Inner.ReadAsync(grainId, stateName, cancellationToken);

    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        Fails() ?? Inner.WriteAsync(grainId, stateName, payload, expectedETag, fence, cancellationToken);

    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        Fails() ?? Inner.AppendAsync(grainId, stateName, entry, expectedETag, fence, cancellationToken);

    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        Inner.ClearAsync(grainId, stateName, expectedETag, fence, cancellationToken);

    /// <summary>The failure this write gets, or null when it goes through.</summary>
    private Task<string>? Fails()
    {
        if (Interlocked.Decrement(ref _failNextWrites) >= 0)
        {
            return Task.FromException<string>(new IOException("The database is unreachable."));
        }

        Interlocked.Increment(ref _failNextWrites);
        return null;
    }
}
