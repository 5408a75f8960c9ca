namespace OrleansFabric.Runtime.Hosting;

/// <summary>Cluster settings (<c>Fabric:Clustering</c>).</summary>
public sealed class ClusteringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Clustering";

    /// <summary>The embedded single-silo provider.</summary>
    public const string InMemoryProvider = "InMemory";

    /// <summary>Which membership, lease, state and reminder provider to use. Default <c>InMemory</c>.</summary>
    public string Provider { get; set; } = InMemoryProvider;

    /// <summary>The PostgreSQL provider: any number of silos over one database.</summary>
    public const string PostgreSqlProvider = "PostgreSql";

    /// <summary>The number of partitions grains hash into; fixed for the life of a cluster. Default 256.</summary>
    public int PartitionCount { get; set; } = 256;

    /// <summary>The PostgreSQL connection string (PostgreSql provider).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a partition lease lasts without renewal. Default 6; renewed every third of it.</summary>
    public int LeaseTtlSeconds { get; set; } = 6;

    /// <summary>The silo-to-silo port (HTTP/2, cluster secret). Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The host name or address other silos use to reach this one. Default: the machine's host name.</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>The shared secret silos present to each other; required for PostgreSql.</summary>
    public string? ClusterSecret { get; set; }

    /// <summary>
    /// How long a silo that stopped heartbeating stays in the membership table (and in
    /// <c>GET /v1/cluster</c>, the dashboard and <c>fabric silos</c>) before the live silos delete
    /// its row. Every restarted process is a new silo, so without this the table would keep a row
    /// for every pod a cluster ever ran. Default 60, at least 5.
    /// </summary>
    public int DeadSiloRetentionMinutes { get; set; } = 60;

    /// <summary>How long a call may wait for its grain's partition to get an owner, or be retried, before it fails as unavailable. Default 30.</summary>
    public int CallTimeoutSeconds { get; set; } = 30;

    /// <summary>True for a multi-silo cluster.</summary>
    public bool IsCluster => string.Equals(Provider, PostgreSqlProvider, StringComparison.OrdinalIgnoreCase);
}
