namespace OrleansFabric.Runtime.Tests.Grains;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount, CancellationToken cancellationToken = default);

    [ReadOnly]
    Task<int> GetAsync();

    Task FailAsync(string message);

    Task<string?> GetETagAsync();

    Task DeactivateAsync();
}
