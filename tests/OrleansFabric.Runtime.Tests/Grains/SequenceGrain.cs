namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>
/// Records, per caller, the sequence numbers it receives, and detects two turns running at
/// once: each turn marks itself inside, yields to the scheduler (so a broken scheduler would
/// start another turn here), and checks that nobody else entered meanwhile.
/// </summary>
public sealed class SequenceGrain : Grain, ISequenceGrain
{
    private readonly Dictionary<int, int> _lastByCaller = [];
    private int _inside;
    private int _calls;
    private int _orderViolations;
    private int _overlaps;

    public async Task RecordAsync(int caller, int sequence)
    {
        if (Interlocked.Increment(ref _inside) != 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        if (_lastByCaller.TryGetValue(caller, out var last) && sequence != last + 1)
        {
            _orderViolations++;
        }

        _lastByCaller[caller] = sequence;
        await Task.Yield();
        _calls++;
        if (Interlocked.Decrement(ref _inside) != 0)
        {
            Interlocked.Increment(ref _overlaps);
        }
    }

    public Task<SequenceReport> GetReportAsync() => Task.FromResult(new SequenceReport(_calls, _orderViolations, _overlaps));
}
