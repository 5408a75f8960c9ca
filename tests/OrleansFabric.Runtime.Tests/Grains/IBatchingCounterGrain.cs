namespace OrleansFabric.Runtime.Tests.Grains;

public interface IBatchingCounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    Task<int> GetAsync();
}
