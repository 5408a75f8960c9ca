namespace OrleansFabric.Runtime.Activation;

/// <summary>
/// Sends every continuation of an activation's code back to that activation's queue, which
/// is what keeps a grain single-threaded across awaits.
/// </summary>
internal sealed class ActivationSynchronizationContext(ActivationData activation) : SynchronizationContext
{
    public ActivationData Activation { get; } = activation;

    public override void Post(SendOrPostCallback d, object? state) => Activation.Post(d, state);

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Grain code cannot block on its own activation (synchronous Send would deadlock the turn).");

    public override SynchronizationContext CreateCopy() => this;
}
