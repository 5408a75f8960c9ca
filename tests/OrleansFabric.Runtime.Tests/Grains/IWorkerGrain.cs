namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>A grain for scheduling tests: gates, read-only interleaving, background work, timers, reminders.</summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>An exclusive turn that waits for the probe's gate <paramref name="gate"/>.</summary>
    Task<string> WaitForGateAsync(string gate);

    /// <summary>An exclusive turn that completes at once.</summary>
    Task<string> TouchAsync(CancellationToken cancellationToken = default);

    [ReadOnly]
    Task<string> PeekAsync();

    /// <summary>Starts background work that waits for <paramref name="gate"/>; its completion is reported to the probe.</summary>
    Task StartWorkAsync(string gate);

    Task CancelWorkAsync();

    Task StartTimerAsync(TimeSpan dueTime, TimeSpan period);

    Task StopTimerAsync();

    Task RemindAsync(string name, TimeSpan dueTime, TimeSpan period);

    Task ForgetAsync(string name);

    /// <summary>The next <paramref name="count"/> reminder ticks throw.</summary>
    Task FailNextTicksAsync(int count);

    /// <summary>Writes state.</summary>
    Task WriteAsync(string value);

    /// <summary>Waits for <paramref name="gate"/>, then writes state.</summary>
    Task WriteAfterGateAsync(string gate, string value);
}
