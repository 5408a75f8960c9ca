namespace OrleansFabric.Benchmarks;

/// <summary>A grain that does nothing: the cost of a local call itself.</summary>
public interface INoopGrain : IGrainWithStringKey
{
    Task NoopAsync();

    ValueTask<int> EchoAsync(int value);
}
