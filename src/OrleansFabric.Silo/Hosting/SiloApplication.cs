using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Hosting;

/// <summary>
/// Builds the silo host: the grain runtime, the public HTTP API (health, metrics, cluster,
/// authentication, problem+json errors, 1 MiB body limit) and graceful shutdown.
/// </summary>
public static class SiloApplication
{
    /// <summary>Builds a silo from command-line arguments; <paramref name="configure"/> may add grains and services (tests, hosts).</summary>
    /// <exception cref="SiloConfigurationException">The configuration does not allow the silo to start.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        Configure(builder);
        configure?.Invoke(builder);
        var app = builder.Build();
        CheckListenAddresses(app);
        MapApi(app);
        return app;
    }

    private static void Configure(WebApplicationBuilder builder)
    {
        var urls = ListenAddresses.From(builder.Configuration);
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = ErrorHandling.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });

        var services = builder.Services;
        services.AddFabricRuntime(builder.Configuration);
        services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section));
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton(_ => new PrometheusExporter());
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });
        var deadline = builder.Configuration.GetValue($"{ShutdownOptions.Section}:DeadlineSeconds", new ShutdownOptions().DeadlineSeconds);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(deadline + 5));
    }

    private static void CheckListenAddresses(WebApplication app)
    {
        var api = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (app.Services.GetRequiredService<ApiKeyStore>().RequiresKeys || api.AllowAnonymous)
        {
            return;
        }

        var exposed = ListenAddresses.From(app.Configuration).FirstOrDefault(url => !ListenAddresses.IsLoopback(url));
        if (exposed is not null)
        {
            throw new SiloConfigurationException(
                $"refusing to listen on '{exposed}' without API keys: anyone who can reach it could use the API. " +
                $"Configure {ApiOptions.Section}:Keys (for example Fabric__Api__Keys__0__Key and Fabric__Api__Keys__0__Tenants__0=*), " +
                $"listen on localhost only, or set {ApiOptions.Section}:AllowAnonymous=true.");
        }
    }

    private static void MapApi(WebApplication app)
    {
        app.UseApiErrorHandling();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapHealthEndpoints();
        app.MapMetricsEndpoints();
        app.MapClusterEndpoints();
        var lifetime = app.Lifetime;
        var silo = app.Services.GetRequiredService<SiloState>();
        lifetime.ApplicationStarted.Register(() =>
        {
            if (silo.Endpoint == "local")
            {
                silo.Endpoint = app.Urls.FirstOrDefault() ?? ListenAddresses.Default;
            }
        });
        _ = app.Services.GetRequiredService<PrometheusExporter>();
    }
}
