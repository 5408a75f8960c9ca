namespace OrleansFabric.Runtime.Activation;

/// <summary>The life cycle of an activation, in order.</summary>
internal enum ActivationStatus
{
    Created,
    Activating,
    Valid,
    Deactivating,
    Invalid,
}
