namespace OrleansFabric.Silo.Api;

/// <summary>Who is calling the API: what the presented key allows (everything when no keys are configured).</summary>
public sealed class ApiCaller
{
    private const string All = "*";
    private const string BatchesScope = "batches";
    private readonly HashSet<string> _scopes;

    private ApiCaller(bool anonymous, IEnumerable<string> scopes)
    {
        IsAnonymous = anonymous;
        _scopes = new HashSet<string>(scopes, StringComparer.Ordinal);
    }

    /// <summary>The caller on a silo without API keys.</summary>
    public static ApiCaller Anonymous { get; } = new(true, []);

    /// <summary>True on a silo without API keys.</summary>
    public bool IsAnonymous { get; }

    /// <summary>A caller holding a key with <paramref name="scopes"/>.</summary>
    public static ApiCaller WithScopes(IEnumerable<string> scopes) => new(false, scopes);

    /// <summary>May use sessions of <paramref name="tenantId"/>.</summary>
    public bool CanAccessTenant(string tenantId) => IsAnonymous || _scopes.Contains(All) || _scopes.Contains(tenantId);

    /// <summary>May use the batch endpoints.</summary>
    public bool CanAccessBatches => IsAnonymous || _scopes.Contains(All) || _scopes.Contains(BatchesScope);

    /// <summary>May administer the cluster (drain).</summary>
    public bool IsAdministrator => IsAnonymous || _scopes.Contains(All);
}
