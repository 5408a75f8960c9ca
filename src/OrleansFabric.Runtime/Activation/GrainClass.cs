using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.Runtime.Activation;

/// <summary>
/// How to construct one grain implementation: its constructor's parameters are resolved
/// once at start-up into a list of resolvers (persistent state, services), so activating a
/// grain costs one constructor call and no lookup by name.
/// </summary>
internal sealed class GrainClass
{
    private readonly ConstructorInfo _constructor;
    private readonly Func<ActivationData, object?>[] _resolvers;

    public GrainClass(GrainType grainType, Type implementation, IServiceProvider services)
    {
        GrainType = grainType;
        Implementation = implementation;
        GroupCommit = implementation.GetCustomAttribute<GroupCommitAttribute>() is not null;
        var constructors = implementation.GetConstructors();
        if (constructors.Length != 1)
        {
            throw new InvalidOperationException($"Grain class {implementation} must have exactly one public constructor.");
        }

        _constructor = constructors[0];
        _resolvers = [.. _constructor.GetParameters().Select(parameter => Resolver(parameter, services))];
    }

    public GrainType GrainType { get; }

    public Type Implementation { get; }

    public bool GroupCommit { get; }

    public Grain Create(ActivationData activation)
    {
        var arguments = new object?[_resolvers.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = _resolvers[i](activation);
        }

        var grain = (Grain)_constructor.Invoke(arguments);
        grain.Context = activation;
        return grain;
    }

    private static Func<ActivationData, object?> Resolver(ParameterInfo parameter, IServiceProvider services)
    {
        var type = parameter.ParameterType;
        var persistent = parameter.GetCustomAttribute<PersistentStateAttribute>();
        if (persistent is not null)
        {
            var factory = PersistentStateFactory.For(type)
                ?? throw new InvalidOperationException($"[PersistentState] parameter '{parameter.Name}' must be an IPersistentState<T> or an IJournaledState<TState, TEntry>.");
            var storage = services.GetKeyedService<IGrainStorage>(persistent.StorageName)
                ?? throw new InvalidOperationException($"No grain storage named '{persistent.StorageName}' is configured (parameter '{parameter.Name}').");
            return activation => factory(persistent.StateName, activation, storage);
        }

        if (type == typeof(IGrainFactory))
        {
            return static activation => activation.Runtime.GrainFactory;
        }

        if (type == typeof(GrainId))
        {
            return static activation => activation.GrainId;
        }

        var service = services.GetService(type)
            ?? throw new InvalidOperationException($"Grain constructor parameter '{parameter.Name}' of type {type} cannot be resolved from the service provider.");
        return _ => service;
    }
}
