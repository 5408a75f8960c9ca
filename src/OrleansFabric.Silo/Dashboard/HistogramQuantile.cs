namespace OrleansFabric.Silo.Dashboard;

/// <summary>Quantile estimates from cumulative histogram buckets, the way Prometheus' <c>histogram_quantile</c> makes them.</summary>
internal static class HistogramQuantile
{
    /// <summary>
    /// The <paramref name="quantile"/> (0-1) of a histogram with finite upper
    /// <paramref name="bounds"/> and one cumulative count per bound plus one for <c>+Inf</c>;
    /// null without observations. Within a bucket the observations are taken as spread evenly;
    /// the first bucket starts at 0 and a quantile in the <c>+Inf</c> bucket is reported as the
    /// highest finite bound.
    /// </summary>
    public static double? Estimate(double quantile, IReadOnlyList<double> bounds, IReadOnlyList<long> cumulative)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(cumulative);
        if (cumulative.Count != bounds.Count + 1)
        {
            throw new ArgumentException("A histogram has one cumulative count per bound and one for +Inf.", nameof(cumulative));
        }

        var total = cumulative[^1];
        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        var bucket = 0;
        while (bucket < bounds.Count && cumulative[bucket] < rank)
        {
            bucket++;
        }

        if (bucket == bounds.Count)
        {
            return bounds.Count > 0 ? bounds[^1] : null;
        }

        var lower = bucket == 0 ? 0 : bounds[bucket - 1];
        var below = bucket == 0 ? 0 : cumulative[bucket - 1];
        var inBucket = cumulative[bucket] - below;
        return inBucket == 0 ? bounds[bucket] : lower + ((bounds[bucket] - lower) * (rank - below) / inBucket);
    }
}
