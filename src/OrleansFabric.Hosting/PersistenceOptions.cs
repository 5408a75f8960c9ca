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

    /// <summary>The Orleans storage provider name every fabric grain's state uses.</summary>
    public const string StorageName = "fabric";

    /// <summary><see cref="MemoryProvider"/> (default) or <see cref="AdoNetProvider"/>.</summary>
    public string Provider { get; set; } = MemoryProvider;

    /// <summary>The Npgsql connection string (AdoNet); the schema is created at start-up.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The most connections one silo opens, when the connection string does not say
    /// (<c>Maximum Pool Size</c>). Default 20: Npgsql's own default of 100 per silo exceeds
    /// PostgreSQL's default <c>max_connections</c> with two silos.
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>True with the PostgreSQL provider.</summary>
    public bool IsAdoNet => string.Equals(Provider, AdoNetProvider, StringComparison.OrdinalIgnoreCase);
}
