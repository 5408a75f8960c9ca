using System.Globalization;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// One scrape of a silo's <c>GET /metrics</c> (the Prometheus text format of OpenTelemetry's
/// exporter): the series of a family, summed over the ones whose labels match.
/// </summary>
internal sealed class SiloMetrics
{
    private readonly List<(string Name, string Labels, double Value)> _series;

    private SiloMetrics(List<(string Name, string Labels, double Value)> series) => _series = series;

    /// <summary>Scrapes <paramref name="silo"/>'s <c>/metrics</c>.</summary>
    public static async Task<SiloMetrics> ScrapeAsync(HttpClient http, Uri silo, CancellationToken cancellationToken = default)
    {
        var text = await http.GetStringAsync(new Uri(silo, "/metrics"), cancellationToken);
        var series = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp], or name value [timestamp]; label values may hold spaces.
            var close = line.LastIndexOf('}');
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0)
            {
                continue;
            }

            var labels = line[nameEnd] == '{' && close > nameEnd ? line[(nameEnd + 1)..close] : string.Empty;
            var rest = line[((close > nameEnd ? close : nameEnd) + 1)..].Trim().Split(' ')[0];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                series.Add((line[..nameEnd], labels, value));
            }
        }

        return new SiloMetrics(series);
    }

    /// <summary>The sum of <paramref name="family"/>'s series whose labels contain every one of <paramref name="labels"/> (<c>name="value"</c>).</summary>
    public double Sum(string family, params string[] labels) =>
        _series.Where(series => series.Name == family && labels.All(label => series.Labels.Contains(label, StringComparison.Ordinal))).Sum(series => series.Value);

    /// <summary>True when the scrape holds <paramref name="family"/>.</summary>
    public bool Has(string family) => _series.Any(series => series.Name == family);
}
