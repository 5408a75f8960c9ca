using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// Answers at once, except turns whose first text starts with <c>hold</c>: those wait until
/// <see cref="Release"/> (or their cancellation), so their messages stay in the session's queue.
/// </summary>
internal sealed class HeldBrain : IBrain
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        if (input.Messages[0].Text.StartsWith("hold", StringComparison.Ordinal))
        {
            await _release.Task.WaitAsync(cancellationToken);
        }

        return new BrainReply("answer: " + string.Join('\n', input.Messages.Select(message => message.Text)));
    }

    public void Release() => _release.TrySetResult();
}
