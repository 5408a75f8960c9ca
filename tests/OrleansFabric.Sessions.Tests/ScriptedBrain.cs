using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions.Tests;

/// <summary>A brain the test answers by hand: each call waits until the test completes it.</summary>
public sealed class ScriptedBrain : IBrain
{
    private readonly ConcurrentQueue<BrainCall> _calls = new();
    private readonly Channel<BrainCall> _arrived = Channel.CreateUnbounded<BrainCall>();

    private int _failNext;

    /// <summary>Calls that should throw before waiting (counts down).</summary>
    public int FailNext
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    /// <summary>Every call so far.</summary>
    public IReadOnlyCollection<BrainCall> Calls => _calls;

    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        var call = new BrainCall(input, turn, cancellationToken) { Activity = Activity.Current };
        _calls.Enqueue(call);
        _arrived.Writer.TryWrite(call);
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            throw new InvalidOperationException("the model is down");
        }

        Interlocked.Increment(ref _failNext);

        return await call.Reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Moves <paramref name="clock"/> 100 ms at a time until the brain is called again (the
    /// session waits out its retry backoff on that clock), at most 20 steps.
    /// </summary>
    public async Task<BrainCall> NextCallAfterBackoffAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider clock)
    {
        for (var step = 0; step < 20; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                return await _arrived.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // The backoff has not run out yet, or its timer was set after this step.
            }
        }

        Assert.Fail("the brain was not called again");
        throw new InvalidOperationException();
    }

    /// <summary>Waits for the next call to the brain.</summary>
    public async Task<BrainCall> NextCallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await _arrived.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("the brain was not called");
            throw;
        }
    }
}

/// <summary>One call to the scripted brain.</summary>
public sealed record BrainCall(BrainInput Input, TurnController Turn, CancellationToken Token)
{
    public TaskCompletionSource<BrainReply> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IEnumerable<string> Texts => Input.Messages.Select(message => message.Text);

    /// <summary>The activity current in the brain when it was called.</summary>
    public Activity? Activity { get; init; }

    public void Answer(string text) => Reply.SetResult(new BrainReply(text));
}
