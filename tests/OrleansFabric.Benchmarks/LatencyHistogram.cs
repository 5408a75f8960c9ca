namespace OrleansFabric.Benchmarks;

/// <summary>
/// A log-linear latency histogram (about 1.5% relative error) that one caller fills without
/// synchronisation; callers' histograms are merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private const int Magnitudes = 40;
    private readonly long[] _counts = new long[SubBuckets * Magnitudes];

    public long Count { get; private set; }

    /// <summary>Records a latency in Stopwatch ticks.</summary>
    public void Record(long ticks)
    {
        var value = Math.Max(1, ticks);
        var magnitude = (int)Math.Max(0, 63 - long.LeadingZeroCount(value) - 5);
        var sub = (int)(value >> magnitude) - 32;
        _counts[Math.Min(_counts.Length - 1, (magnitude * SubBuckets) + Math.Clamp(sub, 0, SubBuckets - 1))]++;
        Count++;
    }

    public void Merge(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency at <paramref name="quantile"/> (0..1), in Stopwatch ticks.</summary>
    public long Quantile(double quantile)
    {
        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank && _counts[i] > 0)
            {
                var magnitude = i / SubBuckets;
                var sub = (i % SubBuckets) + 32;
                return (long)sub << magnitude;
            }
        }

        return 0;
    }
}
