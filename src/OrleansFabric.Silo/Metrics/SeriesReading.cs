namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// One time series as <see cref="MeterReadings.Read"/> reports it: its exported name and
/// labels and, for a histogram, its bucket upper bounds with cumulative counts (as in the
/// text exposition, the last bucket being <c>+Inf</c>).
/// </summary>
/// <param name="Name">The exported metric name (<c>fabric_activations</c>, <c>fabric_turns_total</c>).</param>
/// <param name="Labels">Label names and values.</param>
/// <param name="Value">The value; for a histogram, the sum of its observations.</param>
/// <param name="Count">For a histogram, the number of observations; otherwise 0.</param>
/// <param name="Bounds">For a histogram, the finite bucket upper bounds in ascending order; otherwise empty.</param>
/// <param name="CumulativeCounts">For a histogram, one cumulative count per bound and one for <c>+Inf</c>; otherwise empty.</param>
internal sealed record SeriesReading(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    double Value,
    long Count,
    IReadOnlyList<double> Bounds,
    IReadOnlyList<long> CumulativeCounts)
{
    /// <summary>The value of label <paramref name="name"/>, or the empty string.</summary>
    public string Label(string name) => Labels.GetValueOrDefault(name, string.Empty);
}
