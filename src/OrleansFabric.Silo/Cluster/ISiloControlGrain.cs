namespace OrleansFabric.Silo.Cluster;

/// <summary>
/// One per silo, keyed by the silo's id and always placed on that silo
/// (<see cref="SiloByKeyPlacement"/>): the way any silo asks another to drain.
/// </summary>
[Alias("silo-control")]
public interface ISiloControlGrain : IGrainWithStringKey
{
    /// <summary>Makes the silo stop taking new activations, deactivate its grains, leave the cluster and exit 0.</summary>
    [Alias("drain")]
    Task DrainAsync();
}
