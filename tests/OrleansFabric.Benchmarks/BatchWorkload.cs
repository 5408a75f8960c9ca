namespace OrleansFabric.Benchmarks;

/// <summary>
/// The provisioning load of the batch benchmark, identical for both sides: per batch, one
/// event for each of its distinct contents plus a duplicate for every 5th content (20% extra).
/// Half of the duplicates form a racing pair with their original (one work item whose two
/// events start together, the race ELS-002 "3.2 Issue #2" is about); the other half are
/// separate work items anywhere in the stream. All work items of all batches are shuffled
/// together, with a fixed seed so every run sends the same sequence.
/// </summary>
internal sealed class BatchWorkload
{
    private BatchWorkload(IReadOnlyList<string> batchIds, int slots, (string Batch, string Content)[] events, int[][] items)
    {
        BatchIds = batchIds;
        SlotCount = slots;
        Events = events;
        Items = items;
    }

    public IReadOnlyList<string> BatchIds { get; }

    public int SlotCount { get; }

    /// <summary>Every provisioning event: which batch, which content.</summary>
    public (string Batch, string Content)[] Events { get; }

    /// <summary>Work items in send order; each is one event index or a racing pair of two.</summary>
    public int[][] Items { get; }

    public int DuplicateEvents => Events.Length - (BatchIds.Count * SlotCount);

    public int RacingPairs => Items.Count(item => item.Length == 2);

    public static BatchWorkload Create(string prefix, int batches, int slots, uint seed)
    {
        var batchIds = Enumerable.Range(1, batches).Select(b => $"{prefix}-{b}").ToArray();
        var events = new List<(string, string)>();
        var items = new List<int[]>();
        foreach (var batchId in batchIds)
        {
            for (var i = 0; i < slots; i++)
            {
                var content = $"{batchId}-ts-{i}";
                events.Add((batchId, content));
                var original = events.Count - 1;
                if (i % 5 != 4)
                {
                    items.Add([original]);
                    continue;
                }

                events.Add((batchId, content));
                var duplicate = events.Count - 1;
                if (i / 5 % 2 == 0)
                {
                    items.Add([original, duplicate]);
                }
                else
                {
                    items.Add([original]);
                    items.Add([duplicate]);
                }
            }
        }

        // Fisher-Yates with xorshift: deterministic, and no System.Random (flagged by the analyzers).
        var order = items.ToArray();
        var state = seed | 1;
        for (var i = order.Length - 1; i > 0; i--)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var j = (int)(state % (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        return new BatchWorkload(batchIds, slots, [.. events], order);
    }

    /// <summary>A batch's slot ids, in assignment order (as in the HTTP API: <c>{batch_id}-1</c> …).</summary>
    public string[] EssayIds(string batchId) => [.. Enumerable.Range(1, SlotCount).Select(i => $"{batchId}-{i}")];
}
