using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Diagnostics;
using OrleansFabric.Runtime.Invocation;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.Runtime;

/// <summary>The services one silo's activations share.</summary>
internal sealed class SiloRuntime
{
    public SiloRuntime(
        RuntimeOptions options,
        TimeProvider time,
        FabricMetrics metrics,
        JsonSerializerOptions serializerOptions,
        ILoggerFactory loggerFactory,
        Func<SiloRuntime, GrainClassRegistry> grainClasses,
        Func<SiloRuntime, ReminderService> reminders,
        Func<Catalog, GrainDispatcher>? dispatcher = null,
        IPartitionOwnership? ownership = null)
    {
        Ownership = ownership ?? SingleSiloOwnership.Instance;
        Options = options;
        Time = time;
        Metrics = metrics;
        SerializerOptions = serializerOptions;
        Logger = loggerFactory.CreateLogger("OrleansFabric.Runtime");
        Catalog = new Catalog(this);
        Dispatcher = dispatcher?.Invoke(Catalog) ?? new LocalDispatcher(Catalog);
        GrainFactory = new GrainFactory(Dispatcher);
        GrainClasses = grainClasses(this);
        Reminders = reminders(this);
        metrics.ObserveCatalog(Catalog);
    }

    public RuntimeOptions Options { get; }

    /// <summary>Which partitions this silo serves (all of them on the embedded silo).</summary>
    public IPartitionOwnership Ownership { get; }

    public TimeProvider Time { get; }

    public FabricMetrics Metrics { get; }

    public JsonSerializerOptions SerializerOptions { get; }

    public ILogger Logger { get; }

    public Catalog Catalog { get; }

    public GrainDispatcher Dispatcher { get; }

    public IGrainFactory GrainFactory { get; }

    public GrainClassRegistry GrainClasses { get; }

    public ReminderService Reminders { get; }
}
