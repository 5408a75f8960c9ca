using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>Whether this silo serves a grain's partition now, and under which lease.</summary>
internal interface IPartitionOwnership
{
    /// <summary>True with the write fence to use when this silo serves <paramref name="grainId"/>'s partition.</summary>
    bool TryGetFence(GrainId grainId, out WriteFence fence);
}
