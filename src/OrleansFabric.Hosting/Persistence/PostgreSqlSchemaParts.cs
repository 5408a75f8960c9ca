namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Selects which schemas (Orleans' ADO.NET providers', the fabric's journal) <see cref="PostgreSqlSchema.EnsureAsync"/> creates.
/// </summary>
[Flags]
public enum PostgreSqlSchemaParts
{
    /// <summary>No schema part.</summary>
    None = 0,

    /// <summary>Membership and gateway-list tables and queries (Microsoft.Orleans.Clustering.AdoNet).</summary>
    Clustering = 1,

    /// <summary>Grain-state table and queries (Microsoft.Orleans.Persistence.AdoNet).</summary>
    Persistence = 2,

    /// <summary>Reminder table and queries (Microsoft.Orleans.Reminders.AdoNet).</summary>
    Reminders = 4,

    /// <summary>The fabric's journaled grain storage (<see cref="PostgreSqlJournalStore"/>).</summary>
    Journal = 8,

    /// <summary>Every part.</summary>
    All = Clustering | Persistence | Reminders | Journal,
}
