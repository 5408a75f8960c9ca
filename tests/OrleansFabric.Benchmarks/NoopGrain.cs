namespace OrleansFabric.Benchmarks;

/// <summary>The no-op grain of the calls benchmark.</summary>
internal sealed class NoopGrain : Grain, INoopGrain
{
    public Task NoopAsync() => Task.CompletedTask;

    public ValueTask<int> EchoAsync(int value) => ValueTask.FromResult(value);
}
