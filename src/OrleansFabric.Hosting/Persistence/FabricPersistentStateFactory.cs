using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Orleans' <see cref="IPersistentStateFactory"/> for the grains' <c>[PersistentState]</c>
/// parameters: a state on the fabric's <see cref="JournalGrainStorage"/> gets a
/// <see cref="JournalPersistentState{TState}"/>; any other storage (Orleans' memory or ADO.NET
/// storage, <c>Persistence:GrainStorage=Orleans</c>) gets Orleans' own persistent state.
/// </summary>
internal sealed class FabricPersistentStateFactory(JournalMetrics metrics, IActivatorProvider activators, ILogger<JournalGrainStorage> logger) : IPersistentStateFactory
{
    private readonly PersistentStateFactory _orleans = new();

    /// <inheritdoc/>
    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration cfg)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cfg);
        return !string.IsNullOrWhiteSpace(cfg.StorageName) && context.ActivationServices.GetKeyedService<IGrainStorage>(cfg.StorageName) is JournalGrainStorage journal
            ? new JournalPersistentState<TState>(cfg.StateName, context, journal, metrics, logger, activators.GetActivator<TState>())
            : _orleans.Create<TState>(context, cfg);
    }
}
