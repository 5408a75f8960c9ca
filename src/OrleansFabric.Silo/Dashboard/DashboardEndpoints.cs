using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// <c>GET /dashboard</c>: a page for people, served without a key because it holds no data;
/// it fetches <c>GET /v1/dashboard</c> every 2 s. That endpoint is guarded like the rest of
/// <c>/v1</c> and, because it shows every tenant's queues, needs a <c>*</c> key when keys are
/// configured (403 otherwise).
/// </summary>
internal static class DashboardEndpoints
{
    public static void MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard", (HttpContext context, DashboardPage page) => page.Write(context));
        app.MapGroup("/v1/dashboard")
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.Caller().IsAdministrator
                    ? await next(context)
                    : Problems.For(ErrorCodes.Forbidden, "The dashboard shows every tenant: it needs an API key with the '*' scope."))
            .MapGet("/", async (IClusterView view, SiloState silo, PrometheusExporter exporter, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var cluster = await view.GetSnapshotAsync(cancellationToken);
                return TypedResults.Ok(DashboardSummary.Build(silo.SiloId, time.GetUtcNow(), cluster, exporter));
            });
    }
}
