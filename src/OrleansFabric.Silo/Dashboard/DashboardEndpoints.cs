using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Cluster;
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
            .MapGet("/", async (ClusterView view, IGrainFactory grains, ILocalSiloDetails local, MeterReadings meters, TimeProvider time) =>
            {
                var cluster = await view.GetAsync();
                var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics([local.SiloAddress]);
                var activations = statistics
                    .GroupBy(statistic => statistic.GrainType, StringComparer.Ordinal)
                    .Select(type => new GrainTypeActivations(ShortName(type.Key), type.Sum(statistic => (long)statistic.ActivationCount)));
                return TypedResults.Ok(DashboardSummary.Build(view.LocalSiloId, time.GetUtcNow(), cluster, activations, meters));
            });
    }

    /// <summary>A grain class's name without its namespace and assembly, as people read it.</summary>
    private static string ShortName(string grainType)
    {
        var name = grainType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
