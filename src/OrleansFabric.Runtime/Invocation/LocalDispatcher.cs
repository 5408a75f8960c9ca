using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>
/// Delivers calls to activations on this silo. Queuing a call is synchronous, so calls one
/// caller makes one after another reach the mailbox in that order.
/// </summary>
internal sealed class LocalDispatcher(Catalog catalog) : IGrainCallInvoker
{
    public ValueTask<TResult> InvokeAsync<TResult>(GrainId target, GrainRequest<TResult> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = request.AsValueTask();
        request.WatchCancellation();
        Dispatch(target, request);
        return outcome;
    }

    /// <summary>Queues <paramref name="request"/> on the grain's activation, creating it if needed.</summary>
    public void Dispatch(GrainId target, GrainRequest request)
    {
        ActivationData activation;
        try
        {
            activation = catalog.GetOrCreate(target);
        }
        catch (Exception exception) when (exception is FabricUnavailableException or GrainTypeNotFoundException)
        {
            request.TryAbandon(exception);
            return;
        }

        if (!activation.TryEnqueue(request))
        {
            _ = DispatchAfterDeactivationAsync(activation, target, request);
        }
    }

    private async Task DispatchAfterDeactivationAsync(ActivationData ending, GrainId target, GrainRequest request)
    {
        await ending.Deactivated.ConfigureAwait(false);
        Dispatch(target, request);
    }
}
