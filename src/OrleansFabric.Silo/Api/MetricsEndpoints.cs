using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
internal static class MetricsEndpoints
{
    public static void MapMetricsEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType));
}
