using System.Diagnostics;

namespace OrleansFabric.TestKit;

/// <summary>
/// Waits for a condition that another thread makes true (a thread-pool continuation, a
/// process exit), bounded in time. It yields between checks; it never sleeps a fixed time
/// as a stand-in for synchronisation.
/// </summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, or fails after <paramref name="timeout"/> (default 10 s).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit} waiting for: {what}");
            }

            if (spinner.NextSpinWillYield)
            {
                await Task.Yield();
            }

            spinner.SpinOnce();
        }
    }

    /// <summary>Waits up to <paramref name="limit"/> for <paramref name="condition"/>; returns whether it came true.</summary>
    public static async Task<bool> WithinAsync(Func<bool> condition, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            if (spinner.NextSpinWillYield)
            {
                await Task.Yield();
            }

            spinner.SpinOnce();
        }

        return true;
    }

    /// <summary>
    /// Asks another process (over HTTP, say) every 100 ms until <paramref name="condition"/>
    /// holds, or fails after <paramref name="timeout"/>. No signal crosses a process boundary,
    /// so polling is the only way to wait on one.
    /// </summary>
    public static async Task PollAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
