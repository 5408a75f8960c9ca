namespace OrleansFabric.Hosting;

/// <summary>Grain state and reminder settings (<c>Fabric:Persistence</c>).</summary>
public sealed class PersistenceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Persistence";

    /// <summary>In this process's memory (the embedded default): lost when the silo stops.</summary>
    public const string MemoryProvider = "Memory";

    /// <summary>PostgreSQL through Orleans' ADO.NET providers.</summary>
    public const string AdoNetProvider = "AdoNet";

    /// <summary>
    /// The fabric's journaled grain storage (<see cref="Persistence.JournalGrainStorage"/>): a write
    /// appends what changed, and PostgreSQL writes of many grains share a round trip.
    /// </summary>
    public const string JournalGrainStorage = "Journal";

    /// <summary>Orleans' own grain storage of the provider: memory storage grains, or the ADO.NET provider (a whole-state write per round trip).</summary>
    public const string OrleansGrainStorage = "Orleans";

    /// <summary>The Orleans storage provider name every fabric grain's state uses.</summary>
    public const string StorageName = "fabric";

    /// <summary><see cref="MemoryProvider"/> (default) or <see cref="AdoNetProvider"/>.</summary>
    public string Provider { get; set; } = MemoryProvider;

    /// <summary><see cref="JournalGrainStorage"/> (default) or <see cref="OrleansGrainStorage"/>; reminders are Orleans' either way.</summary>
    public string GrainStorage { get; set; } = JournalGrainStorage;

    /// <summary>The Npgsql connection string (AdoNet); the schema is created at start-up.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The most connections one silo opens, when the connection string does not say
    /// (<c>Maximum Pool Size</c>). Default 20: Npgsql's own default of 100 per silo exceeds
    /// PostgreSQL's default <c>max_connections</c> with two silos.
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>True when grain state goes to the fabric's journaled storage.</summary>
    public bool IsJournal => string.Equals(GrainStorage, JournalGrainStorage, StringComparison.OrdinalIgnoreCase);

    /// <summary>True with the PostgreSQL provider.</summary>
    public bool IsAdoNet => string.Equals(Provider, AdoNetProvider, StringComparison.OrdinalIgnoreCase);
}
