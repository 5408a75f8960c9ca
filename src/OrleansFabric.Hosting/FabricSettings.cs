using Microsoft.Extensions.Configuration;
using OrleansFabric.Client;

namespace OrleansFabric.Hosting;

/// <summary>The silo's <c>Fabric:*</c> settings that shape the Orleans silo, read once at start-up.</summary>
/// <param name="Clustering">Membership and endpoints.</param>
/// <param name="Persistence">Grain state and reminders.</param>
/// <param name="Grains">Activation settings.</param>
/// <param name="Shutdown">Graceful stop.</param>
public sealed record FabricSettings(ClusteringOptions Clustering, PersistenceOptions Persistence, GrainsOptions Grains, ShutdownOptions Shutdown)
{
    /// <summary>Reads the settings from <paramref name="configuration"/>.</summary>
    public static FabricSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new FabricSettings(
            configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>() ?? new(),
            configuration.GetSection(PersistenceOptions.Section).Get<PersistenceOptions>() ?? new(),
            configuration.GetSection(GrainsOptions.Section).Get<GrainsOptions>() ?? new(),
            configuration.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>() ?? new());
    }

    /// <summary>Every problem with these settings, each naming its key; empty when they are fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>(Clustering.Problems());
        if (!Persistence.IsAdoNet && !string.Equals(Persistence.Provider, PersistenceOptions.MemoryProvider, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{PersistenceOptions.Section}:Provider must be {PersistenceOptions.MemoryProvider} or {PersistenceOptions.AdoNetProvider} (got '{Persistence.Provider}').");
        }
        else if (Persistence.IsAdoNet && string.IsNullOrWhiteSpace(Persistence.ConnectionString))
        {
            problems.Add($"{PersistenceOptions.Section}:ConnectionString is required with the {PersistenceOptions.AdoNetProvider} provider.");
        }
        else if (Clustering.IsCluster && !Persistence.IsAdoNet)
        {
            problems.Add($"{PersistenceOptions.Section}:Provider={Persistence.Provider} is refused with {ClusteringOptions.Section}:Provider={Clustering.Provider}: a cluster never keeps acknowledged data in one process's memory (set {PersistenceOptions.Section}:Provider={PersistenceOptions.AdoNetProvider}).");
        }

        if (!Persistence.IsJournal && !string.Equals(Persistence.GrainStorage, PersistenceOptions.OrleansGrainStorage, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{PersistenceOptions.Section}:GrainStorage must be {PersistenceOptions.JournalGrainStorage} or {PersistenceOptions.OrleansGrainStorage} (got '{Persistence.GrainStorage}').");
        }

        if (Persistence.MaxPoolSize is < 1 or > 1000)
        {
            problems.Add($"{PersistenceOptions.Section}:MaxPoolSize must be between 1 and 1000 (got {Persistence.MaxPoolSize}).");
        }

        if (Grains.IdleTimeoutSeconds is < 60 or > 7 * 24 * 3600)
        {
            problems.Add($"{GrainsOptions.Section}:IdleTimeoutSeconds must be between 60 and 604800 (got {Grains.IdleTimeoutSeconds}).");
        }

        if (Shutdown.DeadlineSeconds is < 1 or > 3600)
        {
            problems.Add($"{ShutdownOptions.Section}:DeadlineSeconds must be between 1 and 3600 (got {Shutdown.DeadlineSeconds}).");
        }

        return problems;
    }
}
