namespace OrleansFabric.Silo.Tests;

public interface IPingGrain : IGrainWithStringKey
{
    Task<string> PingAsync(string text);
}
