using System.Collections.Concurrent;
using System.Reflection;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// Creates the state a <c>[PersistentState]</c> constructor parameter asks for, an
/// <see cref="IPersistentState{T}"/> or an <see cref="IJournaledState{TState, TEntry}"/>,
/// for types known only at start-up.
/// </summary>
internal static class PersistentStateFactory
{
    private static readonly ConcurrentDictionary<Type, Func<string, ActivationData, IGrainStorage, object>> s_factories = new();

    /// <summary>The factory for <paramref name="parameterType"/>, or null when it is neither state interface.</summary>
    public static Func<string, ActivationData, IGrainStorage, object>? For(Type parameterType)
    {
        if (!parameterType.IsGenericType)
        {
            return null;
        }

        var definition = parameterType.GetGenericTypeDefinition();
        var create = definition == typeof(IPersistentState<>) ? nameof(Create)
            : definition == typeof(IJournaledState<,>) ? nameof(CreateJournaled)
            : null;
        return create is null
            ? null
            : s_factories.GetOrAdd(parameterType, static (type, name) =>
                typeof(PersistentStateFactory).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(type.GetGenericArguments())
                    .CreateDelegate<Func<string, ActivationData, IGrainStorage, object>>(),
                create);
    }

    private static PersistentState<T> Create<T>(string stateName, ActivationData activation, IGrainStorage storage)
        where T : class, new() => new(stateName, activation, storage);

    private static JournaledState<TState, TEntry> CreateJournaled<TState, TEntry>(string stateName, ActivationData activation, IGrainStorage storage)
        where TState : class, IJournaled<TEntry>, new() => new(stateName, activation, storage);
}
