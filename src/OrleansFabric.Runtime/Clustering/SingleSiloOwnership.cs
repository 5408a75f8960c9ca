using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>The embedded silo serves every partition, with no lease to fence writes on.</summary>
internal sealed class SingleSiloOwnership : IPartitionOwnership
{
    public static SingleSiloOwnership Instance { get; } = new();

    public bool TryGetFence(GrainId grainId, out WriteFence fence)
    {
        fence = WriteFence.None;
        return true;
    }
}
