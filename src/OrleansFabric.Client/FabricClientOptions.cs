using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Client;

/// <summary>How a <see cref="FabricClient"/> reaches the cluster.</summary>
public sealed class FabricClientOptions
{
    /// <summary>Gateway silos' public addresses (any silo is a gateway). At least one.</summary>
    public IList<Uri> Gateways { get; } = [];

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>; null for a silo without keys.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long a call may take, retries included, unless its token ends it sooner. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>JSON options for arguments and results; by default the same conventions as the silo (web defaults).</summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}
