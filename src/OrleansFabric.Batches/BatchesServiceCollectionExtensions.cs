using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.Batches;

/// <summary>Hosts essay batch grains on a silo.</summary>
public static class BatchesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of <see cref="EssayBatchGrain"/> (Orleans finds the grain class itself):
    /// its options (<c>Fabric:Batches</c> of <paramref name="configuration"/>, validated at start;
    /// defaults without one) and its <see cref="BatchMetrics"/>.
    /// </summary>
    public static IServiceCollection AddEssayBatches(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<BatchesOptions>().ValidateOnStart();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(BatchesOptions.Section));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchesOptions>, BatchesOptionsValidator>());
        services.TryAddSingleton<BatchMetrics>();
        services.TryAddSingleton<WebhookMetrics>();
        return services;
    }
}
