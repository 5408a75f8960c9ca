using OrleansFabric.Hosting;

namespace OrleansFabric.Sessions.Tests;

/// <summary>A grain with a state on the fabric's storage, to watch its writes from the grain's side.</summary>
public interface IStateProbeGrain : IGrainWithStringKey
{
    /// <summary>Sets the state to <paramref name="value"/> and writes it; true when the write had completed as <c>WriteStateAsync</c> returned.</summary>
    Task<bool> WriteAsync(int value);
}

/// <inheritdoc cref="IStateProbeGrain"/>
public sealed class StateProbeGrain([PersistentState("probe", PersistenceOptions.StorageName)] IPersistentState<ProbeState> state) : Grain, IStateProbeGrain
{
    public async Task<bool> WriteAsync(int value)
    {
        state.State.Value = value;
        var write = state.WriteStateAsync();
        var atOnce = write.IsCompleted;
        await write;
        return atOnce;
    }
}

/// <summary>The probe's state.</summary>
[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public int Value { get; set; }
}
