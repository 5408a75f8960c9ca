namespace OrleansFabric.Runtime.Tests.Grains;

/// <summary>Fails its first activation.</summary>
public sealed class FlakyGrain(TestProbe probe) : Grain, IFlakyGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment("flaky-activate");
        return probe.Count("flaky-activate") == 1
            ? throw new InvalidOperationException("first activation fails")
            : Task.CompletedTask;
    }

    public Task<string> PingAsync() => Task.FromResult("pong");
}
