namespace OrleansFabric.Invocation;

/// <summary>
/// What the code generator registers for each grain interface: its grain type, how to make a
/// reference to it, and how to make an empty request for each method (used when a call
/// arrives over the wire and its arguments are read into a fresh request).
/// </summary>
public sealed class GrainInterfaceDescriptor(
    Type interfaceType,
    GrainType grainType,
    Func<GrainId, IGrainCallInvoker, GrainReference> createReference,
    IReadOnlyDictionary<string, Func<GrainRequest>> requestFactories)
{
    /// <summary>The grain interface.</summary>
    public Type InterfaceType { get; } = interfaceType;

    /// <summary>The grain type name of the interface.</summary>
    public GrainType GrainType { get; } = grainType;

    /// <summary>Creates a reference that implements <see cref="InterfaceType"/>.</summary>
    public Func<GrainId, IGrainCallInvoker, GrainReference> CreateReference { get; } = createReference;

    /// <summary>Factories of empty requests, by method wire name.</summary>
    public IReadOnlyDictionary<string, Func<GrainRequest>> RequestFactories { get; } = requestFactories;
}
