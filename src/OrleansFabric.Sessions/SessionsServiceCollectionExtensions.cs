using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>Hosts conversation sessions on a silo.</summary>
public static class SessionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of <see cref="SessionGrain"/> (Orleans finds the grain class itself): its
    /// options (<c>Fabric:Sessions</c>, validated at start), the brain-call gate and circuit
    /// breaker, metrics, turn notifications, the grain's reference to itself and the
    /// configured brain (<c>Brain:Kind</c>: echo or openai) unless one is registered already.
    /// </summary>
    public static IServiceCollection AddSessions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SessionsOptions>().Bind(configuration.GetSection(SessionsOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionsOptions>, SessionsOptionsValidator>());
        services.TryAddSingleton<BrainGate>();
        services.TryAddSingleton<BrainCircuitBreaker>();
        services.TryAddSingleton<SessionMetrics>();
        services.TryAddSingleton<WebhookMetrics>();
        services.AddHostedService<SessionMetricsStartup>();
        services.TryAddSingleton<TurnNotifications>();
        services.TryAddSingleton(typeof(GrainReferences<>));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IBrain>(provider =>
        {
            var sessions = provider.GetRequiredService<IOptions<SessionsOptions>>();
            return string.Equals(sessions.Value.Brain.Kind, BrainOptions.OpenAiKind, StringComparison.OrdinalIgnoreCase)
                ? new OpenAiBrain(sessions.Value.Brain.OpenAi)
                : new EchoBrain(sessions, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
