using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>Makes typed references whose calls go through one <see cref="IGrainCallInvoker"/>.</summary>
public sealed class GrainFactory(IGrainCallInvoker invoker) : IGrainFactory
{
    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var descriptor = Descriptor<TGrainInterface>.Value;
        return (TGrainInterface)(object)descriptor.CreateReference(new GrainId(descriptor.GrainType, key), invoker);
    }

    private static class Descriptor<T>
    {
        public static readonly GrainInterfaceDescriptor Value = GrainInterfaceRegistry.Get(typeof(T));
    }
}
