using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>
/// The silo's call path: every grain reference made on this silo, reminder tick and
/// message handed on by an ending activation goes through <see cref="Dispatch"/>. Queuing a
/// local call is synchronous, so calls one caller makes one after another reach the mailbox
/// in that order.
/// </summary>
internal abstract class GrainDispatcher(Catalog catalog) : IGrainCallInvoker
{
    protected Catalog Catalog { get; } = catalog;

    public ValueTask<TResult> InvokeAsync<TResult>(GrainId target, GrainRequest<TResult> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = request.AsValueTask();
        request.WatchCancellation();
        Dispatch(target, request);
        return outcome;
    }

    /// <summary>Sends <paramref name="request"/> to the grain wherever it lives; never throws (failures complete the request).</summary>
    public abstract void Dispatch(GrainId target, GrainRequest request);

    /// <summary>Queues <paramref name="request"/> on the grain's activation on this silo, creating it if needed.</summary>
    protected void DispatchLocal(GrainId target, GrainRequest request)
    {
        ActivationData activation;
        try
        {
            activation = Catalog.GetOrCreate(target);
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
