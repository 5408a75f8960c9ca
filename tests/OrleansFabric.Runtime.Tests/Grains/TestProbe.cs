using System.Collections.Concurrent;

namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>What test grains report to the test: lifecycle events and signals, shared through DI.</summary>
public sealed class TestProbe
{
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();

    public ConcurrentQueue<string> Events { get; } = new();

    public int Count(string name) => _counters.GetValueOrDefault(name);

    public void Increment(string name)
    {
        _counters.AddOrUpdate(name, 1, static (_, value) => value + 1);
        Events.Enqueue(name);
        Signal(name).TrySetResult();
    }

    /// <summary>A signal completed the first time <paramref name="name"/> is incremented.</summary>
    public TaskCompletionSource Signal(string name) =>
        _signals.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>A gate a grain awaits until the test opens it.</summary>
    public TaskCompletionSource Gate(string name) => Signal("gate:" + name);
}
