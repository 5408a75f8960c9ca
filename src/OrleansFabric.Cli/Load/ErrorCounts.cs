using System.Collections.Concurrent;

namespace OrleansFabric.Cli.Load;

/// <summary>Failed requests of a load run by status and problem code.</summary>
internal sealed class ErrorCounts
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(string key)
    {
        _counts.AddOrUpdate(key, 1, (_, count) => count + 1);
        Interlocked.Increment(ref _total);
    }

    public IReadOnlyDictionary<string, long> Snapshot() =>
        new SortedDictionary<string, long>(_counts.ToDictionary(), StringComparer.Ordinal);
}
