namespace OrleansFabric.Client;

/// <summary>Cluster settings (<c>Fabric:Clustering</c>), read by silos and by grain clients alike.</summary>
public sealed class ClusteringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Clustering";

    /// <summary>One silo on loopback, no server (the embedded default).</summary>
    public const string LocalhostProvider = "Localhost";

    /// <summary>Membership in Redis (Microsoft.Orleans.Clustering.Redis).</summary>
    public const string RedisProvider = "Redis";

    /// <summary>Membership in PostgreSQL (Microsoft.Orleans.Clustering.AdoNet).</summary>
    public const string AdoNetProvider = "AdoNet";

    /// <summary><see cref="LocalhostProvider"/> (default), <see cref="RedisProvider"/> or <see cref="AdoNetProvider"/>.</summary>
    public string Provider { get; set; } = LocalhostProvider;

    /// <summary>A StackExchange.Redis configuration string (Redis) or an Npgsql connection string (AdoNet).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The cluster's id: silos and clients with the same id form one cluster. Default orleans-fabric.</summary>
    public string ClusterId { get; set; } = "orleans-fabric";

    /// <summary>The service's id: stays the same across deployments (grain state and reminders are keyed by it). Default orleans-fabric.</summary>
    public string ServiceId { get; set; } = "orleans-fabric";

    /// <summary>The silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The gateway port grain clients connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The IPv4 address other silos and clients reach this silo at. Default: the first non-loopback IPv4 address (127.0.0.1 with Localhost).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// How long a grain client waits for a grain's answer before the call fails. Default 4: a call
    /// held by a killed silo fails fast instead of hanging for Orleans' default of 30 s.
    /// </summary>
    public int ResponseTimeoutSeconds { get; set; } = 4;

    /// <summary>True when silos form a cluster through an external membership store.</summary>
    public bool IsCluster => !string.Equals(Provider, LocalhostProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>The problems with these settings, each naming its key.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!IsProvider(LocalhostProvider) && !IsProvider(RedisProvider) && !IsProvider(AdoNetProvider))
        {
            problems.Add($"{Section}:Provider must be {LocalhostProvider}, {RedisProvider} or {AdoNetProvider} (got '{Provider}').");
        }
        else if (IsCluster && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"{Section}:ConnectionString is required with the {Provider} provider.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add($"{Section}:ClusterId must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add($"{Section}:ServiceId must not be empty.");
        }

        CheckPort(SiloPort, "SiloPort");
        CheckPort(GatewayPort, "GatewayPort");
        if (AdvertisedAddress is { Length: > 0 } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            problems.Add($"{Section}:AdvertisedAddress must be an IP address (got '{address}').");
        }

        if (ResponseTimeoutSeconds is < 1 or > 600)
        {
            problems.Add($"{Section}:ResponseTimeoutSeconds must be between 1 and 600 (got {ResponseTimeoutSeconds}).");
        }

        return problems;

        void CheckPort(int port, string key)
        {
            if (port is < 0 or > 65535)
            {
                problems.Add($"{Section}:{key} must be between 0 and 65535 (got {port}).");
            }
        }
    }

    /// <summary>True when <see cref="Provider"/> is <paramref name="name"/> (case-insensitive).</summary>
    public bool IsProvider(string name) => string.Equals(Provider, name, StringComparison.OrdinalIgnoreCase);
}
