namespace OrleansFabric.Sessions;

/// <summary>
/// <c>tenant_id:agent_id:interlocutor_id:channel</c>. The tenant and agent are the first two
/// segments, the channel the last, and the interlocutor everything between (so it may
/// contain colons).
/// </summary>
public sealed record SessionKey(string TenantId, string AgentId, string InterlocutorId, string Channel)
{
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

        key = new SessionKey(value[..first], value[(first + 1)..second], value[(second + 1)..last], value[(last + 1)..]);
        return true;
    }
}
