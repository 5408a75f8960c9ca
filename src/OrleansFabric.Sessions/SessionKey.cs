using System.Collections.Concurrent;

namespace OrleansFabric.Sessions;

/// <summary>
/// <c>tenant_id:agent_id:interlocutor_id:channel</c>. The tenant and agent are the first two
/// segments, the channel the last, and the interlocutor everything between (so it may
/// contain colons).
/// </summary>
public sealed record SessionKey(string TenantId, string AgentId, string InterlocutorId, string Channel)
{
    private const int SharedPartsLimit = 10_000;

    private static readonly ConcurrentDictionary<string, string> s_parts = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{TenantId}:{AgentId}:{InterlocutorId}:{Channel}";

    /// <summary>Parses a session key; false when it does not have four non-empty parts.</summary>
    public static bool TryParse(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SessionKey? key)
    {
        key = null;
        ArgumentNullException.ThrowIfNull(value);
        var first = value.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : value.IndexOf(':', first + 1);
        var last = value.LastIndexOf(':');
        if (first <= 0 || second <= first + 1 || last <= second + 1 || last == value.Length - 1)
        {
            return false;
        }

        key = new SessionKey(Shared(value.AsSpan(0, first)), Shared(value.AsSpan(first + 1, second - first - 1)), value[(second + 1)..last], Shared(value.AsSpan(last + 1)));
        return true;
    }

    /// <summary>
    /// The one string of a tenant, agent or channel: a silo holds a key per active session, and
    /// these parts repeat across sessions (the interlocutor does not). The pool stops growing at
    /// <see cref="SharedPartsLimit"/>; parts beyond it get strings of their own.
    /// </summary>
    private static string Shared(ReadOnlySpan<char> part)
    {
        var lookup = s_parts.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(part, out var shared))
        {
            return shared;
        }

        var text = part.ToString();
        return s_parts.Count < SharedPartsLimit ? s_parts.GetOrAdd(text, text) : text;
    }
}
