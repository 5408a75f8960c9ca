using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions.Tests;

/// <summary>A brain that thinks for one second of the fake clock, and records how many calls ran at once and in which order they started.</summary>
public sealed class TimedBrain(FakeTimeProvider time) : IBrain
{
    private readonly ConcurrentQueue<string> _started = new();
    private int _running;
    private int _mostAtOnce;

    /// <summary>The first message text of each call, in the order the calls started.</summary>
    public IReadOnlyCollection<string> Started => _started;

    /// <summary>The most calls that ran at the same time.</summary>
    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref _running);
        try
        {
            int most;
            while (running > (most = Volatile.Read(ref _mostAtOnce)) && Interlocked.CompareExchange(ref _mostAtOnce, running, most) != most)
            {
            }

            // The timer exists before the call is reported as started, so a test that advances
            // the clock after seeing the start always ends this call.
            var thinking = Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            _started.Enqueue(input.Messages[0].Text);
            await thinking;
            return new BrainReply("thought about " + input.Messages[0].Text);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
