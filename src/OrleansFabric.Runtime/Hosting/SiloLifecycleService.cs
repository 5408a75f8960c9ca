using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansFabric.Runtime.Hosting;

/// <summary>
/// Starts and stops the silo with the host. On stop (SIGTERM, Ctrl+C) it marks the silo
/// ShuttingDown, stops reminders, lets every activation finish its running turn, deactivate
/// and flush its state, all within <c>Shutdown:DeadlineSeconds</c>.
/// </summary>
internal sealed partial class SiloLifecycleService(
    SiloRuntime runtime,
    SiloState silo,
    IOptions<ClusteringOptions> clustering,
    ILogger<SiloLifecycleService> logger) : IHostedService, IDisposable
{
    private ITimer? _idleCollector;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.Reminders.AcquirePartitionsAsync([.. Enumerable.Range(0, clustering.Value.PartitionCount)], cancellationToken);
        _idleCollector = runtime.Time.CreateTimer(
            static state => ((SiloLifecycleService)state!).CollectIdle(),
            this,
            runtime.Options.CollectionPeriod,
            runtime.Options.CollectionPeriod);
        silo.Status = SiloStatus.Active;
        LogStarted(logger, silo.SiloId, clustering.Value.PartitionCount);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        silo.Status = SiloStatus.ShuttingDown;
        LogStopping(logger, silo.SiloId, runtime.Catalog.Count);
        runtime.Reminders.Stop();
        _idleCollector?.Dispose();
        using var deadline = new CancellationTokenSource(runtime.Options.ShutdownDeadline, runtime.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var complete = await runtime.Catalog.DeactivateAllAsync(DeactivationReason.Shutdown, linked.Token);
        if (!complete)
        {
            LogShutdownIncomplete(logger, runtime.Catalog.Count);
        }

        silo.Status = SiloStatus.Dead;
        LogStopped(logger, silo.SiloId);
    }

    public void Dispose()
    {
        _idleCollector?.Dispose();
        runtime.Reminders.Dispose();
    }

    /// <summary>Deactivates activations idle for longer than the idle timeout.</summary>
    internal int CollectIdle()
    {
        var idleTicks = (long)(runtime.Options.IdleTimeout.TotalSeconds * runtime.Time.TimestampFrequency);
        return runtime.Catalog.CollectIdle(runtime.Time.GetTimestamp() - idleTicks);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Silo {SiloId} is active with {PartitionCount} partitions")]
    private static partial void LogStarted(ILogger logger, string siloId, int partitionCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Silo {SiloId} is shutting down; deactivating {Activations} activations")]
    private static partial void LogStopping(ILogger logger, string siloId, int activations);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Shutdown deadline reached with {Activations} activations still ending")]
    private static partial void LogShutdownIncomplete(ILogger logger, int activations);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Silo {SiloId} stopped")]
    private static partial void LogStopped(ILogger logger, string siloId);
}
