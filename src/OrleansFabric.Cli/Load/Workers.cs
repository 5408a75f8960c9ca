namespace OrleansFabric.Cli.Load;

/// <summary>A fixed number of workers taking items in order until the items run out or the gate closes.</summary>
internal static class Workers
{
    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="items"/> with <paramref name="concurrency"/>
    /// workers; once <paramref name="gate"/> is cancelled no new item starts, and the ones
    /// running finish.
    /// </summary>
    public static Task RunAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> work, CancellationToken gate)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, items.Count)).Select(_ => Task.Run(async () =>
        {
            int index;
            while (!gate.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < items.Count)
            {
                await work(items[index]);
            }
        }, CancellationToken.None)));
    }
}
