namespace OrleansFabric.Runtime.Hosting;

/// <summary>Graceful shutdown settings (<c>Fabric:Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Shutdown";

    /// <summary>How long in-flight turns and deactivations may take after SIGTERM. Default 25.</summary>
    public int DeadlineSeconds { get; set; } = 25;

    /// <summary>
    /// How long a stopping silo keeps answering new API requests with 503 and
    /// <c>Connection: close</c> before its server stops, so clients move to other silos
    /// without a request racing a closing connection. Default 0 (the silo host sets 2).
    /// </summary>
    public int DrainSeconds { get; set; }
}
