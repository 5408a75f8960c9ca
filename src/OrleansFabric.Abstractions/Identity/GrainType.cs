namespace OrleansFabric;

/// <summary>
/// The name of a kind of grain, such as <c>essay-batch</c>. It comes from the grain
/// interface (<see cref="GrainTypeAttribute"/>, or the interface name without its leading
/// <c>I</c> and trailing <c>Grain</c>, in kebab case), so clients can address grains
/// without knowing the implementation class.
/// </summary>
public readonly record struct GrainType
{
    /// <summary>Creates a grain type from its name.</summary>
    public GrainType(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The type name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
