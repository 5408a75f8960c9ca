using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

/// <summary>A brain whose model is always down.</summary>
public sealed class FailingBrain : IBrain
{
    public const string Error = "the model is down";

    public Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Error);
}
