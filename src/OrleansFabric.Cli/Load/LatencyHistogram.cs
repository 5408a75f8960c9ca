using System.Numerics;

namespace OrleansFabric.Cli.Load;

/// <summary>
/// Latencies in microseconds in log-linear buckets: exact below 32 µs, then every power of
/// two split into 32 equal buckets, so a percentile is within about 3% of the true value
/// while memory stays fixed whatever the run's length. Recording is lock-free; the maximum is
/// exact.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;

    private readonly long[] _counts = new long[SubBuckets * (64 - SubBucketBits + 1)];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(0, latency.Ticks / TimeSpan.TicksPerMicrosecond);
        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Add(ref _sum, micros);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public double MaxMilliseconds => Interlocked.Read(ref _max) / 1000.0;

    public double MeanMilliseconds => Count == 0 ? 0 : Interlocked.Read(ref _sum) / 1000.0 / Count;

    /// <summary>The latency below which a <paramref name="quantile"/> (0-1) of the recorded ones fall, in milliseconds.</summary>
    public double PercentileMilliseconds(double quantile)
    {
        var count = Count;
        if (count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * count));
        long seen = 0;
        for (var index = 0; index < _counts.Length; index++)
        {
            seen += Interlocked.Read(ref _counts[index]);
            if (seen >= rank)
            {
                var middle = (LowerBound(index) + UpperBound(index)) / 2.0;
                return Math.Min(middle, Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return MaxMilliseconds;
    }

    internal static int Index(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)micros) - SubBucketBits;
        return SubBuckets + (shift * SubBuckets) + (int)(micros >> shift) - SubBuckets;
    }

    internal static long LowerBound(int index) =>
        index < SubBuckets ? index : (long)(SubBuckets + (index % SubBuckets)) << ((index / SubBuckets) - 1);

    internal static long UpperBound(int index) =>
        index < SubBuckets ? index : LowerBound(index) + (1L << ((index / SubBuckets) - 1)) - 1;
}
