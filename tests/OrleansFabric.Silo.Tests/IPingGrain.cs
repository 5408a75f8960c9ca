namespace OrleansFabric.Silo.Tests;

/// <summary>A test grain that answers <c>pong</c> and the text.</summary>
public interface IPingGrain : IGrainWithStringKey
{
    Task<string> PingAsync(string text);
}
