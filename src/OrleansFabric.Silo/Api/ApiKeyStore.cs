using System.Buffers;
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
    public ApiCaller? Authenticate(ReadOnlySpan<char> presented)
    {
        // Equal-length digests, every key compared, no early exit: the time taken does not
        // depend on how much of a key was right or which key matched. The presented key is
        // hashed on the stack (once per request, so without allocating).
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Digest(presented, digest);
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

    private static byte[] Digest(string key)
    {
        var digest = new byte[SHA256.HashSizeInBytes];
        Digest(key, digest);
        return digest;
    }

    private static void Digest(ReadOnlySpan<char> key, Span<byte> digest)
    {
        const int StackLimit = 256;
        var length = Encoding.UTF8.GetByteCount(key);
        var rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        var utf8 = rented is null ? stackalloc byte[StackLimit] : rented;
        try
        {
            var written = Encoding.UTF8.GetBytes(key, utf8);
            SHA256.HashData(utf8[..written], digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8[..length]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
