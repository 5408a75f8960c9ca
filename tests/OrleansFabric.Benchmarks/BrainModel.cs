using System.Collections.Concurrent;

namespace OrleansFabric.Benchmarks;

/// <summary>The simulated LLM shared by both designs: the same latency for the same turn of the same session.</summary>
internal sealed class BrainModel(Func<int, TimeSpan, TimeSpan> latency, double scale)
{
    private readonly ConcurrentDictionary<string, int> _turns = new(StringComparer.Ordinal);
    private long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private int _runs;

    /// <summary>Turns the brain ran.</summary>
    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Restarts the scenario clock (the brain's degradation follows it).</summary>
    public void Start() => _started = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The scaled latency of the next turn of <paramref name="sessionKey"/>.</summary>
    public TimeSpan NextTurn(string sessionKey)
    {
        Interlocked.Increment(ref _runs);
        var turn = _turns.AddOrUpdate(sessionKey, 0, static (_, previous) => previous + 1);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(_started) / scale;
        return latency(turn, elapsed) * scale;
    }
}
