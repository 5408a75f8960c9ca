using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// The configured API keys, kept as SHA-256 digests and compared in constant time against
/// every key, so neither a match nor its position leaks through timing.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly (byte[] Digest, ApiCaller Caller)[] _keys;

    /// <summary>Creates the store from the options.</summary>
    public ApiKeyStore(IOptions<ApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.Value.Keys
            .Where(key => !string.IsNullOrEmpty(key.Key))
            .Select(key => (Digest(key.Key), ApiCaller.WithScopes(key.Tenants)))];
    }

    /// <summary>True when keys are configured, so every /v1 request must present one.</summary>
    public bool RequiresKeys => _keys.Length > 0;

    /// <summary>The caller a presented key belongs to, or null.</summary>
    public ApiCaller? Authenticate(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);

        // Equal-length digests, every key compared, no early exit: the time taken does not
        // depend on how much of a key was right or which key matched.
        var digest = Digest(presented);
        ApiCaller? match = null;
        foreach (var (candidate, caller) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, digest))
            {
                match ??= caller;
            }
        }

        return match;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
