using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Core.Internal;
using Orleans.Reminders;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary>
/// One in-process Orleans <see cref="TestCluster"/> (one silo) per test class, with memory
/// reminders, a fake clock for grains and reminders (the runtime keeps real time), and a
/// scripted webhook per batch id. The silo runs in this process: the configurator finds its
/// fixture in a static registry by the id the builder puts in the silo's configuration.
/// </summary>
public abstract class BatchCluster : IAsyncLifetime
{
    /// <summary>The webhook URL of batch events.</summary>
    public const string Hook = "http://hooks.test/batches";

    private const string IdKey = "Test:ClusterId";
    private static readonly ConcurrentDictionary<string, BatchCluster> s_clusters = new();
    private readonly string _id = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, ScriptedWebhook> _webhooks = new(StringComparer.Ordinal);
    private TestCluster? _cluster;

    /// <summary>The grains' and reminders' clock.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The cluster.</summary>
    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    /// <summary>The grain storage "fabric" when it is a <see cref="FlakyGrainStorage"/>; null: memory storage.</summary>
    public virtual FlakyGrainStorage? Storage => null;

    /// <summary>Settings of this cluster besides the webhook URL and its 1 s first backoff.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>The webhook that receives the events of batch <paramref name="batchId"/> (it acknowledges unless told otherwise).</summary>
    public ScriptedWebhook Webhook(string batchId) => _webhooks.GetOrAdd(batchId, _ => new ScriptedWebhook());

    /// <summary>The batch grain of <paramref name="batchId"/>.</summary>
    public IEssayBatchGrain Batch(string batchId) => Cluster.GrainFactory.GetGrain<IEssayBatchGrain>(batchId);

    /// <summary>The silo's reminder table.</summary>
    public IReminderTable Reminders => Cluster.GetSiloServiceProvider(Cluster.Primary!.SiloAddress).GetRequiredService<IReminderTable>();

    /// <summary>True while <paramref name="grain"/> has an activation on the silo.</summary>
    public async Task<bool> IsActiveAsync(IAddressable grain)
    {
        var id = grain.GetGrainId();
        return (await Cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetActiveGrains(id.Type)).Contains(id);
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
        builder.Properties["Fabric:Batches:Delivery:WebhookUrl"] = Hook;
        builder.Properties["Fabric:Batches:Delivery:InitialBackoffMs"] = "1000";
        foreach (var (key, value) in Settings)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<Configurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await WaitForRemindersAsync();
    }

    /// <summary>
    /// Waits until the reminder service has started. Its first read of the reminder table can
    /// fail on a busy machine, and the retry waits on the reminders' clock, which is this
    /// fixture's fake one: the clock is moved on (before any test runs) until a batch, whose
    /// registration registers its deadline reminder first, can be registered.
    /// </summary>
    private async Task WaitForRemindersAsync()
    {
        var probe = Batch("reminder-probe");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await probe.RegisterAsync(new BatchDefinition(["probe"], 604_800, null));
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
            siloBuilder.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(10));
            var services = siloBuilder.Services;
            services.AddEssayBatches(siloBuilder.Configuration);
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

    private sealed class WebhookRouter(BatchCluster cluster) : IWebhookSender
    {
        public Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(message.Body);
            return cluster.Webhook(body.RootElement.GetProperty("batch_id").GetString()!).SendAsync(endpoint, message, cancellationToken);
        }
    }
}

/// <summary>Memory storage.</summary>
public sealed class BatchesCluster : BatchCluster;

/// <summary>Memory storage; the webhook gives an event up after two failed attempts.</summary>
public sealed class DeadLetterBatchesCluster : BatchCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Batches:Delivery:MaxAttempts"] = "2",
    };
}

/// <summary>Storage whose writes can be made to fail.</summary>
public sealed class FlakyStorageCluster : BatchCluster
{
    public override FlakyGrainStorage? Storage { get; } = new();
}
