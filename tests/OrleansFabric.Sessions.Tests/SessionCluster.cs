using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Core.Internal;
using Orleans.Reminders;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// One in-process Orleans <see cref="TestCluster"/> (one silo) per test class, with memory
/// storage and reminders, a fake clock for grains and reminders (the runtime keeps real time),
/// and a scripted brain and webhook per session key, so tests sharing the cluster never see
/// each other's calls. The silo runs in this process: the configurator finds its fixture in a
/// static registry by the id the builder puts in the silo's configuration.
/// </summary>
public abstract class SessionCluster : IAsyncLifetime
{
    /// <summary>The webhook URL of clusters with delivery on.</summary>
    public const string Hook = "http://hooks.test/turns";

    private const string IdKey = "Test:ClusterId";
    private static readonly ConcurrentDictionary<string, SessionCluster> s_clusters = new();
    private readonly string _id = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, ScriptedBrain> _brains = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ScriptedWebhook> _webhooks = new(StringComparer.Ordinal);
    private TestCluster? _cluster;

    /// <summary>The grains' and reminders' clock.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The cluster.</summary>
    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    /// <summary>The cluster's client.</summary>
    public IGrainFactory GrainFactory => Cluster.GrainFactory;

    /// <summary>The grain storage "fabric" when it is a <see cref="FlakyGrainStorage"/>; null: memory storage.</summary>
    public virtual FlakyGrainStorage? Storage => null;

    /// <summary>One brain for every session; null: a <see cref="ScriptedBrain"/> per session key.</summary>
    public virtual IBrain? SharedBrain => null;

    /// <summary>What the silo logged (the fabric's categories from Debug up).</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The silo's service of type <typeparamref name="T"/>.</summary>
    public T SiloService<T>()
        where T : notnull => Cluster.GetSiloServiceProvider(Cluster.Primary!.SiloAddress).GetRequiredService<T>();

    /// <summary>The <c>Fabric:Sessions</c> settings of this cluster.</summary>
    protected abstract IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The brain that answers session <paramref name="sessionKey"/>.</summary>
    public ScriptedBrain Brain(string sessionKey) => _brains.GetOrAdd(sessionKey, _ => new ScriptedBrain());

    /// <summary>The webhook that receives the turns of session <paramref name="sessionKey"/> (it acknowledges unless told otherwise).</summary>
    public ScriptedWebhook Webhook(string sessionKey) => _webhooks.GetOrAdd(sessionKey, _ => new ScriptedWebhook());

    /// <summary>The session grain of <paramref name="sessionKey"/>.</summary>
    public ISessionGrain Session(string sessionKey) => GrainFactory.GetGrain<ISessionGrain>(sessionKey);

    /// <summary>The silo's reminder table.</summary>
    public IReminderTable Reminders => Cluster.GetSiloServiceProvider(Cluster.Primary!.SiloAddress).GetRequiredService<IReminderTable>();

    /// <summary>True while <paramref name="grain"/> has an activation on the silo.</summary>
    public async Task<bool> IsActiveAsync(IAddressable grain)
    {
        var id = grain.GetGrainId();
        return (await GrainFactory.GetGrain<IManagementGrain>(0).GetActiveGrains(id.Type)).Contains(id);
    }

    /// <summary>
    /// Deactivates <paramref name="grain"/> as idle collection would, and waits until it is gone.
    /// (Collecting every idle activation would also drop the in-memory reminder table's grain.)
    /// </summary>
    public async Task DeactivateAsync(IAddressable grain)
    {
        await grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Eventually.PollAsync(async () => !await IsActiveAsync(grain), "the activation to end", TimeSpan.FromSeconds(10));
    }

    public async Task InitializeAsync()
    {
        s_clusters[_id] = this;
        var builder = new TestClusterBuilder(1);
        builder.Properties[IdKey] = _id;
        foreach (var (key, value) in Settings)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<Configurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await WaitForRemindersAsync();
    }

    /// <summary>
    /// Waits until the reminder service has started. Its first read of the reminder table can
    /// fail on a busy machine, and the retry waits on the reminders' clock, which is this
    /// fixture's fake one: the clock is moved on (before any test runs) until a probe succeeds.
    /// </summary>
    private async Task WaitForRemindersAsync()
    {
        var probe = GrainFactory.GetGrain<IReminderProbeGrain>("probe");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await probe.ProbeAsync();
                return;
            }
            catch (OrleansException) when (attempt < 5)
            {
                Time.Advance(TimeSpan.FromSeconds(30));
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }

        s_clusters.TryRemove(_id, out _);
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var cluster = s_clusters[siloBuilder.Configuration[IdKey]!];
            if (cluster.Storage is { } storage)
            {
                siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(PersistenceOptions.StorageName, (provider, _) => storage.Attach(provider.GetRequiredService<Serializer>()));
            }
            else
            {
                siloBuilder.AddFabricPersistence(new PersistenceOptions());
            }

            siloBuilder.UseInMemoryReminderService();
            siloBuilder.AddActivityPropagation();
            siloBuilder.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(10));
            var services = siloBuilder.Services;
            services.AddSessions(siloBuilder.Configuration);
            services.AddSingleton<IBrain>(cluster.SharedBrain ?? new BrainRouter(cluster));
            services.AddSingleton<ILoggerProvider>(cluster.Logs);
            services.Configure<LoggerFilterOptions>(filters => filters.AddFilter<LogCapture>("OrleansFabric", LogLevel.Debug));
            services.AddSingleton<IWebhookSender>(new WebhookRouter(cluster));
            services.AddSingleton<TimeProvider>(cluster.Time);
            services.AddKeyedSingleton<TimeProvider>("Orleans.Grains", cluster.Time);
            services.AddKeyedSingleton<TimeProvider>("Orleans.Reminders", cluster.Time);
            foreach (var area in (string[])["Orleans.Messaging", "Orleans.SystemTimers", "Orleans.Membership", "Orleans.ActivationManagement", "Orleans.GrainDirectory"])
            {
                services.AddKeyedSingleton(area, TimeProvider.System);
            }
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddActivityPropagation();
    }

    private sealed class BrainRouter(SessionCluster cluster) : IBrain
    {
        public Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken) =>
            cluster.Brain(input.Session.ToString()).RespondAsync(input, turn, cancellationToken);
    }

    private sealed class WebhookRouter(SessionCluster cluster) : IWebhookSender
    {
        public Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(message.Body);
            return cluster.Webhook(body.RootElement.GetProperty("session_key").GetString()!).SendAsync(endpoint, message, cancellationToken);
        }
    }
}

/// <summary>Queue by default (kiosk: reject; whatsapp and sms aggregate, web supersedes by default), three turns kept, a webhook with a 1 s first backoff.</summary>
public sealed class SessionsCluster : SessionCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:Channels:kiosk:Strategy"] = "reject",
        ["Fabric:Sessions:TurnHistory"] = "3",
        ["Fabric:Sessions:ResumeCheckSeconds"] = "10",
        ["Fabric:Sessions:Delivery:WebhookUrl"] = Hook,
        ["Fabric:Sessions:Delivery:InitialBackoffMs"] = "1000",
    };
}

/// <summary>Queue, at most three pending messages, no webhook.</summary>
public sealed class SmallQueueCluster : SessionCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:MaxPendingMessages"] = "3",
    };
}

/// <summary>Queue, storage whose writes can be made to fail, no webhook.</summary>
public sealed class FlakyStorageCluster : SessionCluster
{
    public override FlakyGrainStorage? Storage { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
    };
}

/// <summary>Test helpers.</summary>
internal static class Messages
{
    public static IncomingMessage Message(string id, string text) => new(id, text, null, null);

    /// <summary>A session key of its own for each test: <c>t1:a:{user}:{channel}</c>.</summary>
    public static string Key(string user, string channel = "custom") => $"t1:a:{user}:{channel}";
}
