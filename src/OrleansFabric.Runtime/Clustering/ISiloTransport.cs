using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>Carries calls between silos (HTTP/2 on the silo port in the host).</summary>
public interface ISiloTransport
{
    /// <summary>
    /// Sends <paramref name="request"/> to the silo at <paramref name="endpoint"/>, which should
    /// own the grain's partition at <paramref name="expectedEpoch"/>. When the result is
    /// <see cref="ForwardResult.Completed"/> the transport has completed the request (with the
    /// grain's result or exception, or with an error when the outcome is unknown). Otherwise
    /// the call certainly did not run and may be sent again.
    /// </summary>
    Task<ForwardResult> ForwardAsync(string endpoint, GrainId target, GrainRequest request, long expectedEpoch, CancellationToken cancellationToken);

    /// <summary>Asks the silo at <paramref name="endpoint"/> to drain; false when it cannot be reached.</summary>
    Task<bool> RequestDrainAsync(string endpoint, CancellationToken cancellationToken);
}

/// <summary>How a forwarded call ended.</summary>
public enum ForwardResult
{
    /// <summary>The request is complete (result, grain exception, or an unknown outcome reported as an error).</summary>
    Completed,

    /// <summary>The target does not serve the partition; nothing ran.</summary>
    NotOwner,

    /// <summary>The target could not be reached before anything was sent; nothing ran.</summary>
    Unreachable,
}
