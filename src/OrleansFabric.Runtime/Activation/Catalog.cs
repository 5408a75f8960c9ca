using System.Collections.Concurrent;

namespace OrleansFabric.Runtime.Activation;

/// <summary>
/// The activations of this silo, at most one per grain: a burst of first calls to one key
/// races on <see cref="ConcurrentDictionary{TKey,TValue}.GetOrAdd(TKey, Func{TKey,TValue})"/>,
/// and only the winning activation ever runs grain code (construction has no side effects).
/// </summary>
internal sealed class Catalog(SiloRuntime runtime)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private volatile bool _closed;

    public int Count => _activations.Count;

    public ICollection<ActivationData> Activations => _activations.Values;

    public ActivationData GetOrCreate(GrainId grainId)
    {
        if (_activations.TryGetValue(grainId, out var existing))
        {
            return existing;
        }

        if (_closed)
        {
            throw new FabricUnavailableException($"This silo is shutting down and takes no new activations ({grainId}).");
        }

        var grainClass = runtime.GrainClasses.Get(grainId.Type);
        return _activations.GetOrAdd(grainId, static (id, state) => new ActivationData(id, state.grainClass, state.runtime), (grainClass, runtime));
    }

    public bool TryGet(GrainId grainId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ActivationData? activation) =>
        _activations.TryGetValue(grainId, out activation);

    public void Remove(ActivationData activation) =>
        _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));

    /// <summary>Asks every activation that has been quiet since <paramref name="idleSince"/> to deactivate.</summary>
    public int CollectIdle(long idleSince)
    {
        var collected = 0;
        foreach (var activation in _activations.Values)
        {
            if (activation.DeactivateIfIdle(idleSince))
            {
                collected++;
            }
        }

        return collected;
    }

    /// <summary>
    /// Deactivates the activations of <paramref name="partitions"/> (out of
    /// <paramref name="partitionCount"/>): each finishes its running turn and flushes its state.
    /// </summary>
    public async Task DeactivatePartitionsAsync(IReadOnlySet<int> partitions, int partitionCount, DeactivationReason reason, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            if (partitions.Contains(activation.GrainId.Partition(partitionCount)))
            {
                activation.RequestDeactivation(reason);
                pending.Add(activation.Deactivated);
            }
        }

        await Task.WhenAll(pending).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops taking activations and deactivates every activation: each finishes its running
    /// turn, runs <see cref="Grain.OnDeactivateAsync"/> and flushes its state. Returns false if
    /// <paramref name="cancellationToken"/> ended the wait first.
    /// </summary>
    public async Task<bool> DeactivateAllAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _closed = true;
        var pending = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            activation.RequestDeactivation(reason);
            pending.Add(activation.Deactivated);
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
