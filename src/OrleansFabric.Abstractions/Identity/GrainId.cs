using System.Text;

namespace OrleansFabric;

/// <summary>
/// The identity of one grain: its type and its string key. The partition of a grain is a
/// stable FNV-1a 64-bit hash of the UTF-8 bytes of <c>type/key</c>, identical in every
/// process and on every platform (never <see cref="string.GetHashCode()"/>).
/// </summary>
public readonly record struct GrainId
{
    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Creates a grain id.</summary>
    public GrainId(GrainType type, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Type = type;
        Key = key;
    }

    /// <summary>The grain type.</summary>
    public GrainType Type { get; }

    /// <summary>The grain key.</summary>
    public string Key { get; }

    /// <summary>The stable 64-bit hash of <c>type/key</c>.</summary>
    public ulong StableHash()
    {
        var hash = FnvOffsetBasis;
        hash = Fnv(hash, Type.Name);
        hash = (hash ^ '/') * FnvPrime;
        return Fnv(hash, Key);
    }

    /// <summary>The partition this grain belongs to in a cluster of <paramref name="partitionCount"/> partitions.</summary>
    public int Partition(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        return (int)(StableHash() % (ulong)partitionCount);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Type.Name}/{Key}";

    private static ulong Fnv(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        var bytes = maxBytes <= buffer.Length ? buffer : new byte[maxBytes];
        var count = Encoding.UTF8.GetBytes(text, bytes);
        foreach (var b in bytes[..count])
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }
}
