using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Runtime.Clustering;

namespace OrleansFabric.Runtime.Hosting;

/// <summary>
/// Starts and stops the silo with the host. In a cluster it registers in the membership
/// table, takes its share of partition leases before declaring itself Active, and keeps a
/// lease cycle running. On stop (SIGTERM, Ctrl+C) it marks the silo ShuttingDown, stops
/// reminders, lets every activation finish its running turn, deactivate and flush its state,
/// and releases its leases at once, all within <c>Shutdown:DeadlineSeconds</c>.
/// </summary>
internal sealed partial class SiloLifecycleService(
    SiloRuntime runtime,
    SiloState silo,
    IOptions<ClusteringOptions> clustering,
    ILogger<SiloLifecycleService> logger,
    IEnumerable<ISiloStartupTask> startupTasks,
    IMembershipTable? membership) : IHostedLifecycleService, IDisposable
{
    private readonly PartitionLeaseManager? _leases = runtime.Ownership as PartitionLeaseManager;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _idleCollector;
    private Task _leaseLoop = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in startupTasks)
        {
            await task.RunAsync(cancellationToken);
        }

        if (_leases is not null && membership is not null)
        {
            await membership.RegisterAsync(silo.SiloId, silo.Endpoint, SiloStatus.Joining, silo.StartedAt, cancellationToken);
            await _leases.CycleAsync(cancellationToken);
            silo.Status = SiloStatus.Active;
            _leaseLoop = RunLeaseLoopAsync(_leases, _stopping.Token);
        }
        else
        {
            await runtime.Reminders.AcquirePartitionsAsync([.. Enumerable.Range(0, clustering.Value.PartitionCount)], cancellationToken);
            silo.Status = SiloStatus.Active;
        }

        _idleCollector = runtime.Time.CreateTimer(
            static state => ((SiloLifecycleService)state!).CollectIdle(),
            this,
            runtime.Options.CollectionPeriod,
            runtime.Options.CollectionPeriod);
        LogStarted(logger, silo.SiloId, silo.Endpoint, clustering.Value.PartitionCount);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The first step of a shutdown, before the server stops: not ready, and new API requests
    /// are turned away (503, <c>Connection: close</c>) for the drain period.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        silo.Status = SiloStatus.ShuttingDown;
        LogDraining(logger, silo.SiloId, runtime.Options.DrainPeriod);
        if (runtime.Options.DrainPeriod > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(runtime.Options.DrainPeriod, TimeProvider.System, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's shutdown timeout ended the drain.
            }
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        silo.Status = SiloStatus.ShuttingDown;
        LogStopping(logger, silo.SiloId, runtime.Catalog.Count);
        runtime.Reminders.Stop();
        _idleCollector?.Dispose();
        using var deadline = new CancellationTokenSource(runtime.Options.ShutdownDeadline, runtime.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        if (_leases is not null && membership is not null)
        {
            await _stopping.CancelAsync();
            await _leaseLoop;
            await TryAsync(() => membership.HeartbeatAsync(silo.SiloId, SiloStatus.ShuttingDown, runtime.Catalog.Count, linked.Token));
            await TryAsync(() => _leases.ReleaseAllAsync(linked.Token));
        }

        var complete = await runtime.Catalog.DeactivateAllAsync(DeactivationReason.Shutdown, linked.Token);
        if (!complete)
        {
            LogShutdownIncomplete(logger, runtime.Catalog.Count);
        }

        silo.Status = SiloStatus.Dead;
        if (membership is not null)
        {
            await TryAsync(() => membership.HeartbeatAsync(silo.SiloId, SiloStatus.Dead, 0, CancellationToken.None));
        }

        LogStopped(logger, silo.SiloId);
    }

    public void Dispose()
    {
        _idleCollector?.Dispose();
        _stopping.Dispose();
        runtime.Reminders.Dispose();
    }

    /// <summary>Deactivates activations idle for longer than the idle timeout.</summary>
    internal int CollectIdle()
    {
        var idleTicks = (long)(runtime.Options.IdleTimeout.TotalSeconds * runtime.Time.TimestampFrequency);
        return runtime.Catalog.CollectIdle(runtime.Time.GetTimestamp() - idleTicks);
    }

    private async Task RunLeaseLoopAsync(PartitionLeaseManager manager, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                delay = await manager.CycleAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                manager.CycleFailed(exception);
                delay = TimeSpan.FromMilliseconds(500);
            }

            try
            {
                await Task.Delay(delay, runtime.Time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task TryAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogShutdownStepFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Silo {SiloId} ({Endpoint}) is active with {PartitionCount} partitions")]
    private static partial void LogStarted(ILogger logger, string siloId, string endpoint, int partitionCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Silo {SiloId} is shutting down; deactivating {Activations} activations")]
    private static partial void LogStopping(ILogger logger, string siloId, int activations);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Shutdown deadline reached with {Activations} activations still ending")]
    private static partial void LogShutdownIncomplete(ILogger logger, int activations);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Silo {SiloId} stopped")]
    private static partial void LogStopped(ILogger logger, string siloId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Silo {SiloId} is draining for {Drain} before it stops")]
    private static partial void LogDraining(ILogger logger, string siloId, TimeSpan drain);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "A shutdown step failed; continuing")]
    private static partial void LogShutdownStepFailed(ILogger logger, Exception exception);
}
