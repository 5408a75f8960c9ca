using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Delivery;
using OrleansFabric.Runtime.Invocation;
using OrleansFabric.Runtime.Diagnostics;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.Runtime.Hosting;

/// <summary>Registers the grain runtime in a host.</summary>
public static class FabricServiceCollectionExtensions
{
    /// <summary>
    /// Adds the silo runtime with the embedded default providers (in-memory state and
    /// reminders), bound to the <c>Fabric</c> configuration section and validated at start.
    /// </summary>
    public static IServiceCollection AddFabricRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GrainsOptions>().Bind(configuration.GetSection(GrainsOptions.Section)).ValidateOnStart();
        services.AddOptions<ShutdownOptions>().Bind(configuration.GetSection(ShutdownOptions.Section)).ValidateOnStart();
        services.AddOptions<ClusteringOptions>().Bind(configuration.GetSection(ClusteringOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainsOptions>, FabricOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShutdownOptions>, FabricOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusteringOptions>, FabricOptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FabricMetrics>();
        services.TryAddSingleton<SiloState>();
        services.TryAddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, (_, _) => new InMemoryGrainStorage());
        services.TryAddSingleton<IReminderTable, InMemoryReminderTable>();
        services.TryAddSingleton<IWebhookSender, HttpWebhookSender>();
        AddClusterServices(services);

        services.TryAddSingleton(provider => new GrainSerialization(provider.GetServices<SerializerContextRegistration>().Select(registration => (IJsonTypeInfoResolver)registration.Context)));
        services.TryAddSingleton(CreateRuntime);
        services.TryAddSingleton(provider => provider.GetRequiredService<SiloRuntime>().GrainFactory);
        services.TryAddSingleton(provider => new GatewayCalls(provider.GetRequiredService<SiloRuntime>()));
        services.AddSingleton(provider => new SiloLifecycleService(
            provider.GetRequiredService<SiloRuntime>(),
            provider.GetRequiredService<SiloState>(),
            provider.GetRequiredService<IOptions<ClusteringOptions>>(),
            provider.GetRequiredService<ILogger<SiloLifecycleService>>(),
            provider.GetServices<ISiloStartupTask>(),
            provider.GetService<IMembershipTable>()));
        services.AddHostedService(provider => provider.GetRequiredService<SiloLifecycleService>());
        return services;
    }

    /// <summary>Hosts grains of interface <typeparamref name="TInterface"/> with class <typeparamref name="TGrain"/> on this silo.</summary>
    public static IServiceCollection AddGrain<TInterface, TGrain>(this IServiceCollection services)
        where TInterface : IGrainWithStringKey
        where TGrain : Grain, TInterface
    {
        services.AddSingleton(new GrainRegistration(typeof(TInterface), typeof(TGrain)));
        return services;
    }

    /// <summary>
    /// Adds source-generated JSON metadata for grain arguments, results and state. Contexts are
    /// consulted in the order added; types none of them knows fall back to reflection-built
    /// metadata, built once per type.
    /// </summary>
    public static IServiceCollection AddFabricSerializerContext(this IServiceCollection services, JsonSerializerContext context)
    {
        services.AddSingleton(new SerializerContextRegistration(context));
        return services;
    }

    /// <summary>
    /// The cluster pieces: partition leases, the routing dispatcher and the receiving side of
    /// forwarded calls. They are built only when a provider has registered the membership and
    /// lease tables (the silo is then a cluster member); the host registers the
    /// <see cref="ISiloTransport"/>.
    /// </summary>
    private static void AddClusterServices(IServiceCollection services)
    {
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ClusteringOptions>>().Value;
            var silo = provider.GetRequiredService<SiloState>();
            silo.Endpoint = $"{options.AdvertisedHost ?? System.Net.Dns.GetHostName()}:{options.SiloPort}";
            return new PartitionLeaseManager(
                silo,
                provider.GetRequiredService<IPartitionLeaseTable>(),
                provider.GetRequiredService<IMembershipTable>(),
                provider.GetRequiredService<TimeProvider>(),
                options.PartitionCount,
                TimeSpan.FromSeconds(options.LeaseTtlSeconds),
                TimeSpan.FromMinutes(options.DeadSiloRetentionMinutes),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansFabric.Leases"));
        });
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ClusteringOptions>>().Value;
            return new PartitionDirectory(
                provider.GetRequiredService<IPartitionLeaseTable>(),
                provider.GetRequiredService<IMembershipTable>(),
                provider.GetRequiredService<TimeProvider>(),
                TimeSpan.FromSeconds(options.LeaseTtlSeconds));
        });
        services.TryAddSingleton(provider =>
        {
            var runtime = provider.GetRequiredService<SiloRuntime>();
            return new ForwardedCalls(runtime, (ClusterDispatcher)runtime.Dispatcher, provider.GetRequiredService<SiloState>());
        });
        services.TryAddSingleton<ISiloTransport>(provider => new HttpSiloTransport(
            provider.GetRequiredService<IOptions<ClusteringOptions>>().Value.ClusterSecret ?? string.Empty,
            provider.GetRequiredService<GrainSerialization>().Options));
        services.TryAddSingleton<IClusterView>(provider => provider.GetService<IPartitionLeaseTable>() is { } leaseTable
            ? new TableClusterView(
                provider.GetRequiredService<IMembershipTable>(),
                leaseTable,
                provider.GetRequiredService<PartitionLeaseManager>(),
                provider.GetRequiredService<SiloState>(),
                provider.GetRequiredService<SiloRuntime>())
            : new SingleSiloClusterView(
                provider.GetRequiredService<SiloState>(),
                provider.GetRequiredService<SiloRuntime>(),
                provider.GetRequiredService<IOptions<ClusteringOptions>>(),
                provider.GetRequiredService<TimeProvider>()));
    }

    private static SiloRuntime CreateRuntime(IServiceProvider provider)
    {
        var grains = provider.GetRequiredService<IOptions<GrainsOptions>>().Value;
        var shutdown = provider.GetRequiredService<IOptions<ShutdownOptions>>().Value;
        var clustering = provider.GetRequiredService<IOptions<ClusteringOptions>>().Value;
        var idle = TimeSpan.FromSeconds(grains.IdleTimeoutSeconds);
        var deadline = TimeSpan.FromSeconds(shutdown.DeadlineSeconds);
        var options = new RuntimeOptions(
            IdleTimeout: idle,
            CollectionPeriod: TimeSpan.FromSeconds(Math.Clamp(grains.IdleTimeoutSeconds / 4.0, 0.25, 60)),
            DeactivationTimeout: deadline,
            ShutdownDeadline: deadline,
            DrainPeriod: TimeSpan.FromSeconds(shutdown.DrainSeconds));
        var serializer = provider.GetRequiredService<GrainSerialization>().Options;
        var leases = provider.GetService<IPartitionLeaseTable>() is null ? null : provider.GetRequiredService<PartitionLeaseManager>();
        var runtime = new SiloRuntime(
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<FabricMetrics>(),
            serializer,
            provider.GetRequiredService<ILoggerFactory>(),
            runtime => new GrainClassRegistry(provider.GetServices<GrainRegistration>(), provider),
            runtime => new ReminderService(runtime, provider.GetRequiredService<IReminderTable>(), clustering.PartitionCount),
            leases is null ? null : catalog => new ClusterDispatcher(
                catalog,
                leases,
                provider.GetRequiredService<PartitionDirectory>(),
                provider.GetRequiredService<ISiloTransport>(),
                provider.GetRequiredService<SiloState>().SiloId,
                TimeSpan.FromSeconds(clustering.CallTimeoutSeconds),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansFabric.Routing")),
            leases);
        if (leases is not null)
        {
            leases.Runtime = runtime;
        }

        return runtime;
    }

    private sealed record SerializerContextRegistration(JsonSerializerContext Context);
}
