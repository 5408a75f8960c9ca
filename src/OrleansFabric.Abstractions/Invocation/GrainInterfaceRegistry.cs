using System.Collections.Concurrent;

namespace OrleansFabric.Invocation;

/// <summary>
/// Process-wide table of grain interfaces. Generated module initializers fill it when the
/// assembly that declares the interfaces is loaded, so nothing is discovered by reflection.
/// </summary>
public static class GrainInterfaceRegistry
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> s_byInterface = new();
    private static readonly ConcurrentDictionary<GrainType, GrainInterfaceDescriptor> s_byGrainType = new();

    /// <summary>Registers a generated descriptor. Two interfaces may not share a grain type.</summary>
    public static void Register(GrainInterfaceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var existing = s_byGrainType.GetOrAdd(descriptor.GrainType, descriptor);
        if (existing.InterfaceType != descriptor.InterfaceType)
        {
            throw new InvalidOperationException(
                $"Grain type '{descriptor.GrainType}' is claimed by both {existing.InterfaceType} and {descriptor.InterfaceType}; give one of them a [GrainType] name.");
        }

        s_byInterface[descriptor.InterfaceType] = descriptor;
    }

    /// <summary>The descriptor of a grain interface.</summary>
    /// <exception cref="InvalidOperationException">The interface has no generated code.</exception>
    public static GrainInterfaceDescriptor Get(Type interfaceType)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        if (s_byInterface.TryGetValue(interfaceType, out var descriptor))
        {
            return descriptor;
        }

        // The declaring assembly's module initializer runs on first use of a type from it; make sure it has.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(interfaceType.Module.ModuleHandle);
        return s_byInterface.TryGetValue(interfaceType, out descriptor)
            ? descriptor
            : throw new InvalidOperationException(
                $"{interfaceType} has no generated grain reference. Grain interfaces must derive from IGrainWithStringKey in a project that references OrleansFabric.CodeGenerator as an analyzer.");
    }

    /// <summary>Finds the descriptor of a grain type, if its interface has been loaded.</summary>
    public static bool TryGet(GrainType grainType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrainInterfaceDescriptor? descriptor) =>
        s_byGrainType.TryGetValue(grainType, out descriptor);
}
