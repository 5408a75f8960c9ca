using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Batches;

/// <summary>Hosts essay batch grains on a silo.</summary>
public static class BatchesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="EssayBatchGrain"/> for <see cref="IEssayBatchGrain"/>.</summary>
    public static IServiceCollection AddEssayBatches(this IServiceCollection services) =>
        services.AddGrain<IEssayBatchGrain, EssayBatchGrain>();
}
