using OrleansFabric.Silo.Dashboard;

namespace OrleansFabric.Dashboard.Tests;

public sealed class HistogramQuantileTests
{
    private static readonly double[] s_bounds = [0.1, 0.5, 1];

    [Fact]
    public void A_histogram_without_observations_has_no_quantiles() =>
        Assert.Null(HistogramQuantile.Estimate(0.5, s_bounds, [0, 0, 0, 0]));

    [Fact]
    public void A_quantile_is_interpolated_linearly_inside_its_bucket()
    {
        // 10 observations in (0, 0.1], 10 in (0.1, 0.5]: the median is the top of the first bucket,
        // the 75th percentile half-way through the second.
        long[] cumulative = [10, 20, 20, 20];

        Assert.Equal(0.1, HistogramQuantile.Estimate(0.5, s_bounds, cumulative)!.Value, 9);
        Assert.Equal(0.3, HistogramQuantile.Estimate(0.75, s_bounds, cumulative)!.Value, 9);
        Assert.Equal(0.05, HistogramQuantile.Estimate(0.25, s_bounds, cumulative)!.Value, 9);
    }

    [Fact]
    public void A_quantile_in_the_infinite_bucket_is_reported_as_the_highest_finite_bound()
    {
        long[] cumulative = [1, 1, 1, 10];

        Assert.Equal(1, HistogramQuantile.Estimate(0.95, s_bounds, cumulative));
    }

    [Fact]
    public void Counts_that_do_not_match_the_bounds_are_refused() =>
        Assert.Throws<ArgumentException>(() => HistogramQuantile.Estimate(0.5, s_bounds, [1, 2]));
}
