using OrleansFabric.Runtime;

namespace OrleansFabric.Silo.Tests;

public sealed class PingGrain : Grain, IPingGrain
{
    public Task<string> PingAsync(string text) => Task.FromResult("pong " + text);
}
