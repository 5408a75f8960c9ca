namespace OrleansFabric.Silo.Api;

/// <summary>API authentication settings (<c>Fabric:Api</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Api";

    /// <summary>The API keys; none means no authentication (allowed only on loopback unless <see cref="AllowAnonymous"/>).</summary>
    public IList<ApiKeyOptions> Keys { get; } = [];

    /// <summary>Lets a silo without keys listen on a non-loopback address.</summary>
    public bool AllowAnonymous { get; set; }
}
