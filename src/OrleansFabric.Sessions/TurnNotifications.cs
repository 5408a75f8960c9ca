using System.Collections.Concurrent;

namespace OrleansFabric.Sessions;

/// <summary>
/// Wakes long-polling readers of a session's turns on this silo when the session commits a
/// turn. Readers on other silos fall back to re-reading periodically, so a missed wake-up
/// only delays an answer, never loses it.
/// </summary>
public sealed class TurnNotifications
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next <see cref="Notify"/> for <paramref name="sessionKey"/>.</summary>
    public Task NextAsync(string sessionKey) =>
        _waiters.GetOrAdd(sessionKey, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Sessions with a reader waiting (for tests and diagnostics).</summary>
    public int WaitingSessions => _waiters.Count;

    /// <summary>
    /// A reader of <paramref name="sessionKey"/> stops waiting on <paramref name="waiter"/>:
    /// the entry goes, so sessions nobody reads again hold no memory. Other readers sharing it
    /// then find their next wake-up by re-reading, which they do periodically anyway.
    /// </summary>
    public void Forget(string sessionKey, Task waiter)
    {
        if (_waiters.TryGetValue(sessionKey, out var waiters) && waiters.Task == waiter)
        {
            _waiters.TryRemove(KeyValuePair.Create(sessionKey, waiters));
        }
    }

    /// <summary>Wakes everyone waiting on <paramref name="sessionKey"/>.</summary>
    public void Notify(string sessionKey)
    {
        if (_waiters.TryRemove(sessionKey, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
