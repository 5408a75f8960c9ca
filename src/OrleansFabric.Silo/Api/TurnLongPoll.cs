using OrleansFabric.Hosting;
using OrleansFabric.Sessions;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Reads a session's turns for <c>GET .../turns</c>. With a wait, it re-reads the session each
/// time this silo commits a turn of it (<see cref="TurnNotifications"/>) and at least every
/// <see cref="RereadInterval"/>, since the session may live on another silo, until some turns
/// exist, the wait is over or the client goes away.
/// </summary>
internal sealed partial class TurnLongPoll(GrainReferences<ISessionGrain> sessions, TurnNotifications notifications, TimeProvider time, ILogger<TurnLongPoll> logger)
{
    /// <summary>How often a waiting read looks again without a local wake-up.</summary>
    internal static readonly TimeSpan RereadInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The event logged when a read starts waiting (tests use it to know the wait has begun).</summary>
    internal const int WaitingEventId = 5201;

    /// <summary>Turns with <c>seq &gt; after</c>, oldest first: empty when none came within <paramref name="wait"/>; null when the session does not exist.</summary>
    public async Task<IReadOnlyList<TurnRecord>?> ReadAsync(string sessionKey, long after, TimeSpan wait, CancellationToken cancellationToken)
    {
        var session = sessions.Get(sessionKey);
        var deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        var waiting = false;
        Task? committed = null;
        try
        {
            while (true)
            {
                // Ask for the wake-up before reading, so a turn committed between the read and the
                // wait still wakes this reader.
                committed = notifications.NextAsync(sessionKey);
                var turns = await session.GetTurnsAsync(after, cancellationToken);
                var left = time.GetElapsedTime(time.GetTimestamp(), deadline);
                if (turns is null || turns.Count > 0 || left <= TimeSpan.Zero)
                {
                    return turns;
                }

                if (!waiting)
                {
                    waiting = true;
                    LogWaiting(logger, sessionKey, after, wait.TotalSeconds);
                }

                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(committed, Task.Delay(left < RereadInterval ? left : RereadInterval, time, tick.Token));
                await tick.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // However the read ends (answer, time up, client gone), leave nothing behind.
            if (committed is not null)
            {
                notifications.Forget(sessionKey, committed);
            }
        }
    }

    [LoggerMessage(EventId = WaitingEventId, Level = LogLevel.Debug, Message = "Turns of session {SessionKey} after {After}: none yet, waiting up to {WaitSeconds} s")]
    private static partial void LogWaiting(ILogger logger, string sessionKey, long after, double waitSeconds);
}
