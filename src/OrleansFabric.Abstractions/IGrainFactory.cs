namespace OrleansFabric;

/// <summary>Hands out typed references to grains. A reference is cheap; creating one activates nothing.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with <paramref name="key"/>.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
