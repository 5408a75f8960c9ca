using Microsoft.Extensions.Options;

namespace OrleansFabric.Sessions.Brains;

/// <summary>The default brain: after <c>Brain:DelayMs</c> it answers <c>echo: </c> and the turn's texts, one per line.</summary>
public sealed class EchoBrain(IOptions<SessionsOptions> options, TimeProvider time) : IBrain
{
    /// <inheritdoc/>
    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var delay = options.Value.Brain.DelayMs;
        if (delay > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken).ConfigureAwait(false);
        }

        return new BrainReply("echo: " + string.Join('\n', input.Messages.Select(message => message.Text)));
    }
}
