using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OrleansFabric.Silo.Cluster;

/// <summary>Places a grain on the silo whose id (<see cref="SiloAddress.ToParsableString"/>) is the grain's key.</summary>
[GenerateSerializer]
[Alias("silo-by-key")]
public sealed class SiloByKeyPlacement : PlacementStrategy
{
    internal static readonly SiloByKeyPlacement Instance = new();
}

/// <summary>Marks a grain class for <see cref="SiloByKeyPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloByKeyPlacementAttribute() : PlacementAttribute(SiloByKeyPlacement.Instance);

/// <summary>The director of <see cref="SiloByKeyPlacement"/>: the silo the key names, when it is a compatible silo; otherwise any.</summary>
internal sealed class SiloByKeyPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var key = target.GrainIdentity.Key.ToString();
        var named = compatible.FirstOrDefault(silo => silo.ToParsableString() == key);
        return Task.FromResult(named ?? compatible[0]);
    }
}
