using System.Threading.Channels;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

/// <summary>A brain that holds every turn until the test opens the gate, then answers <c>gated: </c> and the texts.</summary>
public sealed class GatedBrain : IBrain
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<BrainInput> _calls = Channel.CreateUnbounded<BrainInput>();

    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        _calls.Writer.TryWrite(input);
        await _gate.Task.WaitAsync(cancellationToken);
        return new BrainReply("gated: " + string.Join('\n', input.Messages.Select(message => message.Text)));
    }

    /// <summary>Lets every held and future turn answer.</summary>
    public void Open() => _gate.TrySetResult();

    /// <summary>Waits (at most 10 s) until a turn reaches the brain: the session is running it.</summary>
    public async Task<BrainInput> NextCallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _calls.Reader.ReadAsync(timeout.Token);
    }
}
