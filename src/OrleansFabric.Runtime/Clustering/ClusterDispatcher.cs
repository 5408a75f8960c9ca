using Microsoft.Extensions.Logging;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// The call path of a cluster silo: a call for a partition this silo serves goes to the local
/// mailbox; any other call is forwarded to the partition's owner. When there is no owner yet,
/// or the owner answers "not owner" or cannot be reached before anything was sent, the
/// dispatcher refreshes its directory and retries with backoff until the call's deadline,
/// then fails it as unavailable. It never sends a call again once it may have run.
/// </summary>
internal sealed partial class ClusterDispatcher(
    Catalog catalog,
    PartitionLeaseManager leases,
    PartitionDirectory directory,
    ISiloTransport transport,
    string siloId,
    TimeSpan callTimeout,
    TimeProvider time,
    ILogger logger) : GrainDispatcher(catalog)
{
    private static readonly TimeSpan s_maximumBackoff = TimeSpan.FromMilliseconds(200);

    public override void Dispatch(GrainId target, GrainRequest request)
    {
        var partition = target.Partition(leases.PartitionCount);
        if (leases.IsServing(partition))
        {
            DispatchLocal(target, request);
            return;
        }

        _ = ForwardAsync(target, request, partition);
    }

    /// <summary>Runs a call forwarded by another silo, if this silo serves its partition.</summary>
    public bool TryDispatchForwarded(GrainId target, GrainRequest request)
    {
        if (!leases.IsServing(target.Partition(leases.PartitionCount)))
        {
            return false;
        }

        DispatchLocal(target, request);
        return true;
    }

    private async Task ForwardAsync(GrainId target, GrainRequest request, int partition)
    {
        var started = time.GetTimestamp();
        var backoff = TimeSpan.FromMilliseconds(10);
        var sending = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken);
        deadline.CancelAfter(callTimeout);
        try
        {
            for (var attempt = 0; attempt < 10_000; attempt++)
            {
                if (leases.IsServing(partition))
                {
                    DispatchLocal(target, request);
                    return;
                }

                var owner = directory.Lookup(partition);
                if (owner is null || owner.SiloId == siloId)
                {
                    await directory.RefreshAsync(deadline.Token);
                    owner = directory.Lookup(partition);
                }

                if (owner is not null && owner.SiloId != siloId)
                {
                    sending = true;
                    var result = await transport.ForwardAsync(owner.Endpoint, target, request, owner.Epoch, deadline.Token);
                    sending = false;
                    if (result == ForwardResult.Completed)
                    {
                        return;
                    }

                    LogForwardRetry(logger, target, owner.SiloId, result);
                    await directory.RefreshAsync(deadline.Token);
                }

                await Task.Delay(backoff, time, deadline.Token);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maximumBackoff.Ticks));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && sending)
        {
            // The call was on its way to the owner: it may have run there.
            request.Fail(new FabricOutcomeUnknownException($"The deadline of the call to {target} ended while the owner was handling it; it may or may not have run."));
            return;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Fall through: the deadline or the caller's cancellation ended the wait before anything was sent.
        }
        catch (Exception exception)
        {
            request.Fail(exception);
            return;
        }

        request.Fail(request.CancellationToken.IsCancellationRequested
            ? new OperationCanceledException("The grain call was cancelled before any silo accepted it.", request.CancellationToken)
            : new FabricUnavailableException($"No silo served partition {partition} of {target} within {time.GetElapsedTime(started).TotalSeconds:F1} s.") { RetryAfter = TimeSpan.FromSeconds(1) });
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Call to {GrainId} on {SiloId} answered {Result}; refreshing the directory and retrying")]
    private static partial void LogForwardRetry(ILogger logger, GrainId grainId, string siloId, ForwardResult result);
}
