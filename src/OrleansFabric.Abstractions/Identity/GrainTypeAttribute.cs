namespace OrleansFabric;

/// <summary>Gives a grain interface an explicit, stable <see cref="GrainType"/> name.</summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The grain type name.</summary>
    public string Name { get; } = name;
}
