namespace OrleansFabric.Hosting;

/// <summary>
/// References to the grains behind <typeparamref name="TGrainInterface"/> by string key, with
/// the grain type and interface type looked up once. Orleans'
/// <c>IGrainFactory.GetGrain&lt;T&gt;(string)</c> resolves <c>T</c>'s interface type through
/// reflection (custom attributes, type-name formatting) on every call: about 2% of the silo's
/// CPU under the ingest benchmark, on the path of every message. The first call goes the
/// ordinary way and keeps the types of the reference it returns; later calls build the
/// same reference (same grain id, same interface) from them.
/// </summary>
/// <typeparam name="TGrainInterface">The grain interface.</typeparam>
public sealed class GrainReferences<TGrainInterface>(IGrainFactory grains)
    where TGrainInterface : IGrainWithStringKey
{
    private Types? _types;

    /// <summary>The grain with <paramref name="key"/>, as <c>GetGrain&lt;TGrainInterface&gt;(key)</c> returns it.</summary>
    public TGrainInterface Get(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (Volatile.Read(ref _types) is { } types)
        {
            return (TGrainInterface)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var grain = grains.GetGrain<TGrainInterface>(key);
        var reference = (GrainReference)(object)grain;
        Volatile.Write(ref _types, new Types(reference.GrainId.Type, reference.InterfaceType));
        return grain;
    }

    private sealed record Types(GrainType Grain, GrainInterfaceType Interface);
}
