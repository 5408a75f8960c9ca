using System.Text.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Runtime.Placement;
using OrleansFabric.Batches;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.Sessions;
using OrleansFabric.Silo.Api;
using OrleansFabric.Silo.Cluster;
using OrleansFabric.Silo.Dashboard;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Hosting;

/// <summary>
/// Builds the silo host: an Orleans silo (configured from <c>Fabric:*</c>) with the conversation
/// session and essay batch grains, the public HTTP API (messages, sessions, batches, health, metrics, cluster, dashboard,
/// authentication, problem+json errors, 1 MiB body limit) and graceful shutdown. Program and
/// the tests build the silo the same way.
/// </summary>
public static class SiloApplication
{
    /// <summary>The activity source of ASP.NET Core's request activities.</summary>
    private const string AspNetCoreActivitySource = "Microsoft.AspNetCore";

    /// <summary>Orleans' meter.</summary>
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>.NET's runtime meter (GC, thread pool, working set).</summary>
    private const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// Series per metric of Orleans' and the runtime's meters. Their labels are grain types,
    /// statuses and GC generations (a few dozen series at most); OpenTelemetry's default limit
    /// (2,000) preallocates that many points per metric, about 18 MB for these meters' ~110
    /// metrics before anything is counted. The fabric's own meters keep the default: their
    /// series are labelled by tenant.
    /// </summary>
    private const int FewSeries = 100;

    /// <summary>Settings that apply unless configuration says otherwise (lowest precedence).</summary>
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ ",
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
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
        configure?.Invoke(builder);
        var settings = FabricSettings.From(builder.Configuration);
        AddSilo(builder, settings);
        var app = builder.Build();
        CheckSettings(app.Services, settings);
        MapSilo(app);
        return app;
    }

    private static void AddSilo(WebApplicationBuilder builder, FabricSettings settings)
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
        if (settings.Problems().Count == 0)
        {
            builder.UseOrleans(silo =>
            {
                silo.UseFabric(settings);
                silo.Services.AddPlacementDirector<SiloByKeyPlacement, SiloByKeyPlacementDirector>();
            });
        }

        var exportsTraces = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // System.Runtime is .NET's own meter: the GC heap after the last collection by generation,
        // collections, pause time and allocations, which capacity planning (heap per activation)
        // and the latency work (gen0 pauses) read from the same scrape as the silo's series.
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(OrleansMeter, RuntimeMeter, SessionMetrics.MeterName, BatchMetrics.MeterName, WebhookMetrics.MeterName, JournalMetrics.MeterName)
                .AddView(instrument => instrument.Meter.Name is OrleansMeter or RuntimeMeter ? new MetricStreamConfiguration { CardinalityLimit = FewSeries } : null)
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                if (exportsTraces)
                {
                    tracing.AddAspNetCoreInstrumentation()
                        .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", SessionTelemetry.SourceName, WebhookTelemetry.SourceName)
                        .AddOtlpExporter();
                }
                else
                {
                    // Nothing reads spans without an exporter: recording them (the ASP.NET Core
                    // instrumentation's diagnostic events, and two Orleans spans with tags per
                    // grain call) cost a few percent of the silo's CPU per message. Only the
                    // request's own activity is kept, sampled as before (a new trace is marked
                    // sampled, a continued one keeps its flags), so that its traceparent reaches
                    // the session (MessageEndpoints), the turn, the brain's calls and the webhook.
                    tracing.AddSource(AspNetCoreActivitySource);
                }
            });
        services.AddSessions(builder.Configuration);
        services.AddEssayBatches(builder.Configuration);
        services.AddSingleton<TurnLongPoll>();
        services.TryAddSingleton(typeof(GrainReferences<>));
        services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>>(provider => new ApiOptionsValidator(provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton(provider => new MeterReadings(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<ClusterView>();
        services.AddSingleton<DashboardPage>();
        services.AddApiErrorHandling();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        });

        // The silo's graceful stop (deactivations, leaving the cluster) gets its whole deadline,
        // plus time to stop the server.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(settings.Shutdown.DeadlineSeconds + 5));
    }

    /// <summary>
    /// Reads every validated setting now, so a bad one stops the silo before anything starts,
    /// with all the problems in one message (start-up validation would report them too, but
    /// one at a time and after the host has begun starting).
    /// </summary>
    private static void CheckSettings(IServiceProvider services, FabricSettings settings)
    {
        var failures = new List<string>(settings.Problems());
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
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapClusterEndpoints();
        app.MapDashboardEndpoints();
        app.MapMessageEndpoints();
        app.MapSessionEndpoints();
        app.MapBatchEndpoints();

        // Listen to the meters before the first grain call is counted, and create the fabric's
        // instruments now, so that their zero-valued series are exported from start-up.
        _ = app.Services.GetRequiredService<MeterReadings>();
        _ = app.Services.GetRequiredService<BatchMetrics>();
        _ = app.Services.GetRequiredService<WebhookMetrics>();
    }
}
