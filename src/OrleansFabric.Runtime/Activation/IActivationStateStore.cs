namespace OrleansFabric.Runtime.Activation;

/// <summary>A piece of persistent state owned by an activation: read on activation, flushed on deactivation.</summary>
internal interface IActivationStateStore
{
    Task ReadStateAsync(CancellationToken cancellationToken);

    /// <summary>Waits for writes in flight (including coalesced ones) to finish.</summary>
    Task FlushAsync();
}
