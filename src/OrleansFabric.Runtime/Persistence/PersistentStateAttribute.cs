namespace OrleansFabric.Runtime;

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{T}"/>.</summary>
/// <param name="stateName">The name of this piece of state, unique within the grain type.</param>
/// <param name="storageName">The grain storage provider; <c>Default</c> unless named.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string storageName = PersistentStateAttribute.DefaultStorage) : Attribute
{
    /// <summary>The name of the default grain storage provider.</summary>
    public const string DefaultStorage = "Default";

    /// <summary>The state's name.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The storage provider's name.</summary>
    public string StorageName { get; } = storageName;
}
