using OrleansFabric.Runtime;

namespace OrleansFabric.Benchmarks;

/// <summary>Does nothing, synchronously.</summary>
public sealed class NoopGrain : Grain, INoopGrain
{
    public Task NoopAsync() => Task.CompletedTask;

    public ValueTask<int> EchoAsync(int value) => ValueTask.FromResult(value);
}
