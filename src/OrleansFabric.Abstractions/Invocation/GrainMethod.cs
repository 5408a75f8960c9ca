namespace OrleansFabric.Invocation;

/// <summary>
/// Describes one method of a grain interface: the interface, its grain type, a name that is
/// unique within the interface (the wire name of the method) and how it is scheduled.
/// One instance exists per generated request type.
/// </summary>
public sealed class GrainMethod(Type interfaceType, GrainType grainType, string name, bool isReadOnly)
{
    /// <summary>The grain interface that declares the method.</summary>
    public Type InterfaceType { get; } = interfaceType;

    /// <summary>The grain type the interface maps to.</summary>
    public GrainType GrainType { get; } = grainType;

    /// <summary>The method's wire name, unique within its interface.</summary>
    public string Name { get; } = name;

    /// <summary>
    /// True for methods marked <see cref="ReadOnlyAttribute"/>: they may run while a turn of the
    /// same activation is suspended at an await, but never during a state write.
    /// </summary>
    public bool IsReadOnly { get; } = isReadOnly;

    /// <inheritdoc/>
    public override string ToString() => $"{GrainType.Name}.{Name}";
}
