namespace OrleansFabric.Cli.Load;

/// <summary>A fixed number of workers taking items in order until the items run out or the gate closes.</summary>
internal static class Workers
{
    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="items"/> with <paramref name="concurrency"/>
    /// workers; once <paramref name="gate"/> (the run's time limit) or <paramref name="cancellationToken"/>
    /// (Ctrl+C) is cancelled no new item starts, and the ones running finish. Both are checked:
    /// a worker resumed inline by the cancellation of the second may run before a gate linked
    /// to it is cancelled too.
    /// </summary>
    public static Task RunAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> work, CancellationToken gate, CancellationToken cancellationToken)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, items.Count)).Select(_ => Task.Run(async () =>
        {
            int index;
            while (!gate.IsCancellationRequested && !cancellationToken.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < items.Count)
            {
                await work(items[index]);
            }
        }, CancellationToken.None)));
    }
}
