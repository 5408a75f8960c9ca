using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Batches;

/// <summary>Hosts essay batch grains on a silo.</summary>
public static class BatchesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="EssayBatchGrain"/> for <see cref="IEssayBatchGrain"/> and its <see cref="BatchMetrics"/>.</summary>
    public static IServiceCollection AddEssayBatches(this IServiceCollection services)
    {
        services.TryAddSingleton<BatchMetrics>();
        return services.AddGrain<IEssayBatchGrain, EssayBatchGrain>();
    }
}
