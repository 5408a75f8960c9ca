namespace OrleansFabric.Silo.Api;

/// <summary>One API key and what it may reach.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The secret the caller presents as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>Tenants the key may use; <c>*</c> for all (and cluster administration), <c>batches</c> for the batch endpoints.</summary>
    public IList<string> Tenants { get; } = [];
}
