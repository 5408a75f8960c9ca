using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using OrleansFabric.Batches;
using OrleansFabric.PostgreSql;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Sessions;
using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Dashboard;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Hosting;

/// <summary>
/// Builds the silo host: the grain runtime with the conversation session and essay batch
/// grains, the public HTTP API (messages, sessions, batches, health, metrics, cluster, dashboard,
/// authentication, problem+json errors, 1 MiB body limit) and graceful shutdown. Program and
/// the tests build the silo the same way.
/// </summary>
public static class SiloApplication
{
    /// <summary>Settings that apply unless configuration says otherwise (lowest precedence).</summary>
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ ",
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
        [$"{ShutdownOptions.Section}:DrainSeconds"] = "2",
    };

    /// <summary>
    /// Builds a silo from command-line arguments; <paramref name="configure"/> may add grains,
    /// services and settings (tests, hosts) before the settings are checked.
    /// </summary>
    /// <exception cref="SiloConfigurationException">A setting is invalid; the message names the key.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = s_defaults });
        AddSilo(builder);
        configure?.Invoke(builder);
        var app = builder.Build();
        CheckSettings(app.Services);
        MapSilo(app);
        return app;
    }

    private static void AddSilo(WebApplicationBuilder builder)
    {
        var listen = ListenAddresses.From(builder.Configuration);
        if (listen.IsDefault)
        {
            builder.WebHost.UseUrls([.. listen.Urls]);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = RequestRules.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });

        var services = builder.Services;
        if (builder.Configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>() is { IsCluster: true })
        {
            // Registered before the runtime so the cluster's providers replace the in-memory defaults.
            services.AddFabricPostgreSql();
            builder.AddSiloPort(listen);
        }

        services.AddFabricRuntime(builder.Configuration);
        services.AddSessions(builder.Configuration);
        services.AddEssayBatches(builder.Configuration);
        services.AddSingleton<TurnLongPoll>();
        services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>>(provider => new ApiOptionsValidator(provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton(provider => new PrometheusExporter(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<DashboardPage>();
        services.AddApiErrorHandling();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });

        // The runtime's graceful stop gets its whole deadline, plus time to stop the server.
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DeadlineSeconds + 5));
    }

    /// <summary>
    /// Reads every validated setting now, so a bad one stops the silo before anything starts,
    /// with all the problems in one message (start-up validation would report them too, but
    /// one at a time and after the host has begun starting).
    /// </summary>
    private static void CheckSettings(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<GrainsOptions>(services, failures);
        Check<ShutdownOptions>(services, failures);
        Check<ClusteringOptions>(services, failures);
        Check<ApiOptions>(services, failures);
        Check<SessionsOptions>(services, failures);
        Check<BatchesOptions>(services, failures);
        if (failures.Count > 0)
        {
            throw new SiloConfigurationException(string.Join(Environment.NewLine, failures));
        }

        static void Check<T>(IServiceProvider services, List<string> failures)
            where T : class
        {
            try
            {
                _ = services.GetRequiredService<IOptions<T>>().Value;
            }
            catch (OptionsValidationException exception)
            {
                failures.AddRange(exception.Failures);
            }
        }
    }

    private static void MapSilo(WebApplication app)
    {
        app.UseApiErrorHandling();
        app.UseMiddleware<DrainMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapHealthEndpoints();
        app.MapMetricsEndpoints();
        app.MapClusterEndpoints();
        app.MapDashboardEndpoints();
        app.MapGrainGatewayEndpoints();
        app.MapSiloPort();
        app.MapMessageEndpoints();
        app.MapSessionEndpoints();
        app.MapBatchEndpoints();

        // Listen to the meters before the first grain call is counted.
        _ = app.Services.GetRequiredService<PrometheusExporter>();

        // On the embedded silo the advertised endpoint is the address the server really bound
        // (a port of 0 becomes the chosen port); cluster providers set their own silo endpoint.
        var silo = app.Services.GetRequiredService<SiloState>();
        var server = app.Services.GetRequiredService<IServer>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (silo.Endpoint == "local" && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address)
            {
                silo.Endpoint = ListenAddresses.Advertised(address);
            }
        });
    }
}
