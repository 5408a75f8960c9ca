namespace OrleansFabric.Hosting;

/// <summary>Activation settings (<c>Fabric:Grains</c>).</summary>
public sealed class GrainsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Grains";

    /// <summary>An activation that handled no call for this long is deactivated. Default 900.</summary>
    public int IdleTimeoutSeconds { get; set; } = 900;
}
