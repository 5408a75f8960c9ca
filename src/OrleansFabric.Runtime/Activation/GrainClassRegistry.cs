using System.Collections.Concurrent;
using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Activation;

/// <summary>The grain implementations this silo hosts, by grain type.</summary>
internal sealed class GrainClassRegistry
{
    private readonly Dictionary<GrainType, Type> _implementations = [];
    private readonly ConcurrentDictionary<GrainType, GrainClass> _classes = new();
    private readonly IServiceProvider _services;

    public GrainClassRegistry(IEnumerable<GrainRegistration> registrations, IServiceProvider services)
    {
        _services = services;
        foreach (var registration in registrations)
        {
            var descriptor = GrainInterfaceRegistry.Get(registration.InterfaceType);
            if (_implementations.TryGetValue(descriptor.GrainType, out var other) && other != registration.ImplementationType)
            {
                throw new InvalidOperationException($"Grain type '{descriptor.GrainType}' is implemented by both {other} and {registration.ImplementationType}.");
            }

            _implementations[descriptor.GrainType] = registration.ImplementationType;
        }
    }

    public IEnumerable<GrainType> GrainTypes => _implementations.Keys;

    public GrainClass Get(GrainType grainType) =>
        _classes.GetOrAdd(grainType, static (type, self) => self.Build(type), this);

    private GrainClass Build(GrainType grainType) =>
        _implementations.TryGetValue(grainType, out var implementation)
            ? new GrainClass(grainType, implementation, _services)
            : throw new GrainTypeNotFoundException(grainType);
}
