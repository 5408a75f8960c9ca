using System.Collections.Concurrent;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Persistence;

/// <summary>Creates <see cref="PersistentState{T}"/> for a state type known only at start-up.</summary>
internal static class PersistentStateFactory
{
    private static readonly ConcurrentDictionary<Type, Func<string, ActivationData, IGrainStorage, object>> s_factories = new();

    public static Func<string, ActivationData, IGrainStorage, object> For(Type stateType) =>
        s_factories.GetOrAdd(stateType, static type =>
        {
            var method = typeof(PersistentStateFactory).GetMethod(nameof(Create), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type);
            return method.CreateDelegate<Func<string, ActivationData, IGrainStorage, object>>();
        });

    private static PersistentState<T> Create<T>(string stateName, ActivationData activation, IGrainStorage storage)
        where T : class, new() => new PersistentState<T>(stateName, activation, storage);
}
