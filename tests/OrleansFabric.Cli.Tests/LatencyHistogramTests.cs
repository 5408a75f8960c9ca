using OrleansFabric.Cli.Load;

namespace OrleansFabric.Cli.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_four_percent_of_the_exact_ones_and_the_maximum_is_exact()
    {
        var histogram = new LatencyHistogram();
        var samples = Enumerable.Range(1, 10_000).Select(i => TimeSpan.FromMicroseconds(i * 37.0)).ToArray();
        Random.Shared.Shuffle(samples);
        foreach (var sample in samples)
        {
            histogram.Record(sample);
        }

        foreach (var quantile in new[] { 0.5, 0.9, 0.99 })
        {
            var exact = Math.Ceiling(quantile * 10_000) * 37 / 1000.0;
            Assert.InRange(histogram.PercentileMilliseconds(quantile), exact * 0.96, exact * 1.04);
        }

        Assert.Equal(370.0, histogram.MaxMilliseconds);
        Assert.Equal(10_000, histogram.Count);
    }

    [Fact]
    public void Every_bucket_index_maps_back_to_a_range_that_holds_the_value()
    {
        foreach (var micros in new long[] { 0, 1, 31, 32, 33, 63, 64, 65, 1000, 123_456, 10_000_000, long.MaxValue })
        {
            var index = LatencyHistogram.Index(micros);
            Assert.InRange(micros, LatencyHistogram.LowerBound(index), LatencyHistogram.UpperBound(index));
        }
    }

    [Fact]
    public void An_empty_histogram_reports_zero()
    {
        Assert.Equal(0, new LatencyHistogram().PercentileMilliseconds(0.99));
    }
}
