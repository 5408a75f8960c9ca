namespace OrleansFabric.Sessions;

/// <summary>
/// One conversation session, keyed <c>tenant_id:agent_id:interlocutor_id:channel</c>. Its
/// turns run one at a time without any lock: messages that arrive while a turn runs are
/// queued, aggregated into the next turn, or supersede the running turn, as the channel's
/// strategy says. The brain runs off the grain's scheduler, so new messages are accepted while it thinks.
/// </summary>
[Alias("session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Accepts a message; answers once it is durable (or why it was not accepted).</summary>
    [Alias("submit")]
    Task<SubmitResult> SubmitAsync(IncomingMessage message, CancellationToken cancellationToken = default);

    /// <summary>The session, or null when it never received a message.</summary>
    [ReadOnly]
    [Alias("get")]
    Task<SessionView?> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Completed, cancelled and failed turns with <c>seq &gt; after</c>, oldest first (null when the session does not exist).</summary>
    [ReadOnly]
    [Alias("turns")]
    Task<IReadOnlyList<TurnRecord>?> GetTurnsAsync(long after, CancellationToken cancellationToken = default);

    /// <summary>Erases the session's state and history; later messages start a new session.</summary>
    [Alias("delete")]
    Task DeleteAsync(CancellationToken cancellationToken = default);
}
