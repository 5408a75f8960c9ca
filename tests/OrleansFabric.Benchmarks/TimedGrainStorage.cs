using System.Diagnostics;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Wraps a grain storage to measure its writes (count, time, bytes), so the batch benchmark
/// can say how much of a provisioning call is the state write and how the payload grows.
/// </summary>
internal sealed class TimedGrainStorage(IGrainStorage inner) : IGrainStorage
{
    private long _writes;
    private long _ticks;
    private long _bytes;

    public long Writes => Interlocked.Read(ref _writes);

    public long Ticks => Interlocked.Read(ref _ticks);

    public long Bytes => Interlocked.Read(ref _bytes);

    public void Reset()
    {
        Interlocked.Exchange(ref _writes, 0);
        Interlocked.Exchange(ref _ticks, 0);
        Interlocked.Exchange(ref _bytes, 0);
    }

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        inner.ReadAsync(grainId, stateName, cancellationToken);

    public Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> payload, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        TimeAsync(() => inner.WriteAsync(grainId, stateName, payload, expectedETag, fence, cancellationToken), payload.Length);

    public Task<string> AppendAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> entry, string expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        TimeAsync(() => inner.AppendAsync(grainId, stateName, entry, expectedETag, fence, cancellationToken), entry.Length);

    public Task ClearAsync(GrainId grainId, string stateName, string? expectedETag, WriteFence fence, CancellationToken cancellationToken) =>
        inner.ClearAsync(grainId, stateName, expectedETag, fence, cancellationToken);

    private async Task<string> TimeAsync(Func<Task<string>> write, int bytes)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await write();
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Increment(ref _writes);
        }
    }
}
