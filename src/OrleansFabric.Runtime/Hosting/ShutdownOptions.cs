namespace OrleansFabric.Runtime.Hosting;

/// <summary>Graceful shutdown settings (<c>Fabric:Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Shutdown";

    /// <summary>How long in-flight turns and deactivations may take after SIGTERM. Default 25.</summary>
    public int DeadlineSeconds { get; set; } = 25;
}
