namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// The lease a write is made under: the grain's partition and the epoch at which the writing
/// silo holds it. <see cref="None"/> on the embedded single silo, where nothing can take over.
/// </summary>
public readonly record struct WriteFence(int Partition, long Epoch)
{
    /// <summary>No fence: the provider only checks the ETag.</summary>
    public static WriteFence None { get; } = new(-1, 0);
}
