using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /metrics</c>: the Prometheus text exposition format 0.0.4 (no key needed, as scrapers expect).</summary>
internal static class MetricsEndpoints
{
    public static void MapMetricsEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGroup("/metrics").MapGet("/", (PrometheusExporter exporter) => TypedResults.Text(exporter.Scrape(), PrometheusExporter.ContentType));
}
