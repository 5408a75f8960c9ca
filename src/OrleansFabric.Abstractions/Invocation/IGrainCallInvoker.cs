namespace OrleansFabric.Invocation;

/// <summary>
/// The one call path behind every grain reference: the silo's runtime (local activation or
/// forward to the owning silo) or a client's connection to a gateway silo.
/// </summary>
public interface IGrainCallInvoker
{
    /// <summary>
    /// Sends <paramref name="request"/> to the grain <paramref name="target"/> and completes
    /// when the grain has handled it. A request is executed at most once.
    /// </summary>
    ValueTask<TResult> InvokeAsync<TResult>(GrainId target, GrainRequest<TResult> request);
}
