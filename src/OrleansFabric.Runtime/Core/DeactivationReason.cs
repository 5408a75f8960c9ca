namespace OrleansFabric.Runtime;

/// <summary>Why an activation ends.</summary>
public enum DeactivationReason
{
    /// <summary>No call for longer than <c>Grains:IdleTimeoutSeconds</c>.</summary>
    IdleTimeout,

    /// <summary>The grain asked for it (<c>DeactivateOnIdle</c>).</summary>
    Requested,

    /// <summary>The silo is shutting down.</summary>
    Shutdown,

    /// <summary>The grain's partition moves to another silo.</summary>
    PartitionHandoff,

    /// <summary>A state write conflicted or failed; the activation is dropped without a deactivation callback.</summary>
    StateConflict,

    /// <summary>Activation failed (a state read or <c>OnActivateAsync</c> threw).</summary>
    ActivationFailed,
}
