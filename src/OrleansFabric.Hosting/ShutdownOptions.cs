namespace OrleansFabric.Hosting;

/// <summary>Graceful shutdown settings (<c>Fabric:Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Shutdown";

    /// <summary>How long a stopping silo may take to finish turns, deactivate its grains and leave the cluster. Default 25.</summary>
    public int DeadlineSeconds { get; set; } = 25;
}
