namespace OrleansFabric.Benchmarks;

/// <summary>The benchmark grain: calls that do no work, so the runtime's cost is all that is measured.</summary>
public interface INoopGrain : IGrainWithStringKey
{
    Task NoopAsync();

    ValueTask<int> EchoAsync(int value);
}
