using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Benchmarks;

/// <summary>The fabric's brain in the comparison: it waits as long as the shared <see cref="BrainModel"/> says.</summary>
internal sealed class SimulatedBrain(BrainModel model) : IBrain
{
    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        await Task.Delay(model.NextTurn(input.Session.ToString()), cancellationToken);
        return new BrainReply($"answer to {input.Messages.Count} messages");
    }
}
