namespace OrleansFabric.Silo.Tests;

/// <summary>A grain the tests call directly, to see Orleans' grain-call metrics move.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<string> PingAsync(string text) => Task.FromResult("pong " + text);
}
