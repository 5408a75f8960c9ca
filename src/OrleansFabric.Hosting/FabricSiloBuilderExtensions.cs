using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using OrleansFabric.Client;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Hosting.Persistence;
using StackExchange.Redis;

namespace OrleansFabric.Hosting;

/// <summary>Turns the <c>Fabric:*</c> settings into an Orleans silo.</summary>
public static class FabricSiloBuilderExtensions
{
    /// <summary>Grain addresses a silo's directory cache keeps (Orleans' default: 1,000,000).</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>
    /// Configures <paramref name="silo"/> from <paramref name="settings"/>: membership (Localhost,
    /// Redis or PostgreSQL) with failover-tuned probes, endpoints, the <c>fabric</c> grain storage
    /// and reminders (memory or PostgreSQL, whose schema is created at start-up), the strongly
    /// consistent in-cluster grain directory, idle collection, Kubernetes hosting inside a pod, and
    /// the grains' webhook sender.
    /// </summary>
    public static ISiloBuilder UseFabric(this ISiloBuilder silo, FabricSettings settings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        var clustering = settings.Clustering;
        var persistence = settings.Persistence;
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = clustering.ClusterId;
            cluster.ServiceId = clustering.ServiceId;
        });

        if (clustering.IsProvider(ClusteringOptions.RedisProvider))
        {
            silo.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(clustering.ConnectionString!));
        }
        else if (clustering.IsProvider(ClusteringOptions.AdoNetProvider))
        {
            var connectionString = Pooled(clustering.ConnectionString!, persistence.MaxPoolSize);
            silo.UseAdoNetClustering(adoNet =>
            {
                adoNet.Invariant = "Npgsql";
                adoNet.ConnectionString = connectionString;
            });
            silo.Services.AddSingleton(new PostgreSqlSchemaTarget(connectionString, PostgreSqlSchemaParts.Clustering));
        }

        if (clustering.IsCluster)
        {
            var advertised = clustering.AdvertisedAddress is { Length: > 0 } address ? IPAddress.Parse(address) : FirstNonLoopbackAddress();
            // A loopback address (a developer's machine, the fault tests) is listened on alone;
            // any other (a pod's IP) on every interface, as containers expect.
            silo.ConfigureEndpoints(advertised, clustering.SiloPort, clustering.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }
        else
        {
            silo.UseLocalhostClustering(clustering.SiloPort, clustering.GatewayPort);
        }

        silo.AddFabricPersistence(persistence);

        // A killed silo is declared dead, and its grains answer again elsewhere, within about a
        // second (Orleans' defaults take 10-15 s): probe often, give up after two missed probes,
        // and let one vote suffice (a silo that misses its probes is declared dead by its prober).
        silo.Configure<ClusterMembershipOptions>(membership =>
        {
            membership.ProbeTimeout = TimeSpan.FromSeconds(1);
            membership.NumMissedProbesLimit = 2;
            membership.NumVotesForDeathDeclaration = 1;
            membership.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            membership.DefunctSiloExpiration = TimeSpan.FromHours(1);
            membership.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
        });

        silo.Configure<GrainCollectionOptions>(collection =>
        {
            collection.CollectionAge = TimeSpan.FromSeconds(settings.Grains.IdleTimeoutSeconds);
            collection.DeactivationTimeout = TimeSpan.FromSeconds(settings.Shutdown.DeadlineSeconds);
        });

#pragma warning disable ORLEANSEXP003 // the strongly consistent directory is what keeps one activation per session through membership changes
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

        // After a crash the directory holds the dead silo's grains under a lease, so that a silo
        // declared dead while still running cannot keep serving them beside new activations. The
        // lease runs from the estimated failure time (declaration minus the failure-detection
        // window); Orleans' 30 s default would keep a killed silo's grains unavailable for ~25 s.
        // Half a second past the declaration is enough here: a falsely declared silo learns of its
        // death from the next gossip or table read and stops, and ETag-checked writes stay the
        // last line against a write from it.
        //
        // The directory cache (grain addresses this silo looked up or registered) is bounded at
        // DirectoryCacheSize: Orleans' default of 1,000,000 entries preallocates about 19 MB of
        // hash buckets per silo before the first grain, ten times the sessions a silo is sized
        // to hold (issue 16: 100,000 idle sessions). A miss costs one directory lookup.
        silo.Services.AddOptions<GrainDirectoryOptions>().Configure<IOptions<ClusterMembershipOptions>>((directory, membership) =>
        {
            directory.RangeLeaseDuration = (membership.Value.MaxProbeTimeout * membership.Value.NumMissedProbesLimit) + TimeSpan.FromMilliseconds(500);
            directory.CacheSize = DirectoryCacheSize;
        });

        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
            && Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 })
        {
            silo.UseKubernetesHosting();
        }

        silo.AddOutgoingGrainCallFilter<RejectedCallRetryFilter>();

        // Grain calls carry the caller's trace (W3C traceparent in the request context), so a
        // message's HTTP request, its session grain and the turn it starts share one trace.
        silo.AddActivityPropagation();
        silo.Services.AddSingleton<IWebhookSender, HttpWebhookSender>();
        return silo;
    }

    /// <summary>
    /// Adds the <c>fabric</c> grain storage and the reminder service that <paramref name="persistence"/>
    /// names (memory, or PostgreSQL through Orleans' ADO.NET providers with the schema created at
    /// start-up), both writing grain state with Orleans' own serializer, and the reminder period
    /// the session and batch grains use. Test clusters call this too, so their grains persist
    /// exactly as a silo's do.
    /// </summary>
    public static ISiloBuilder AddFabricPersistence(this ISiloBuilder silo, PersistenceOptions persistence)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(persistence);
        silo.Services.TryAddSingleton<JournalMetrics>();
        if (persistence.IsAdoNet)
        {
            var connectionString = Pooled(persistence.ConnectionString!, persistence.MaxPoolSize);
            if (persistence.IsJournal)
            {
                silo.Services.AddSingleton(_ => new PostgreSqlJournalStore(connectionString));
                AddJournalGrainStorage<PostgreSqlJournalStore>(silo);
            }
            else
            {
                silo.AddAdoNetGrainStorage(PersistenceOptions.StorageName, adoNet =>
                {
                    adoNet.Invariant = "Npgsql";
                    adoNet.ConnectionString = connectionString;
                });
            }

            silo.UseAdoNetReminderService(adoNet =>
            {
                adoNet.Invariant = "Npgsql";
                adoNet.ConnectionString = connectionString;
            });
            silo.Services.AddSingleton(new PostgreSqlSchemaTarget(connectionString, PostgreSqlSchemaParts.Persistence | PostgreSqlSchemaParts.Reminders | PostgreSqlSchemaParts.Journal));
        }
        else
        {
            if (persistence.IsJournal)
            {
                silo.Services.AddSingleton<MemoryJournalStore>();
                AddJournalGrainStorage<MemoryJournalStore>(silo);
            }
            else
            {
                silo.AddMemoryGrainStorage(PersistenceOptions.StorageName);
            }

            silo.UseInMemoryReminderService();
        }

        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, PostgreSqlSchemaStartup>());

        // Grain state is written with Orleans' own serializer (the [GenerateSerializer] types),
        // not the providers' default JSON with type names, which cannot read back the list types
        // that collection expressions create, and costs more bytes per write.
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(PersistenceOptions.StorageName)
            .Configure<Serializer>((storage, serializer) => storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        silo.Services.AddOptions<MemoryGrainStorageOptions>(PersistenceOptions.StorageName)
            .Configure<Serializer>((storage, serializer) => storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));

        // Session resume and outbox wake-ups tick every minute at most; a batch deadline shorter
        // than that has a grain timer while its grain is active (the reminder is the backstop).
        silo.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(10));
        return silo;
    }

    private static void AddJournalGrainStorage<TStore>(ISiloBuilder silo)
        where TStore : IJournalStore
    {
        silo.Services.AddGrainStorage(PersistenceOptions.StorageName, (services, _) => new JournalGrainStorage(
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<TStore>(),
            services.GetRequiredService<Serializer>(),
            services.GetRequiredService<JournalMetrics>()));

        // The grains' [PersistentState] on it: without Orleans' yield before every operation.
        silo.Services.AddSingleton<IPersistentStateFactory, FabricPersistentStateFactory>();
    }

    /// <summary><paramref name="connectionString"/> with a <c>Maximum Pool Size</c> when it names none.</summary>
    internal static string Pooled(string connectionString, int maxPoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = maxPoolSize;
        }

        return builder.ConnectionString;
    }

    private static IPAddress FirstNonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
        ?? IPAddress.Loopback;
}
