using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Client.Tests;

/// <summary>An embedded silo (Localhost clustering) in the test process, on its own free silo and gateway ports.</summary>
internal sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedSilo(WebApplication app, int gatewayPort)
    {
        _app = app;
        GatewayPort = gatewayPort;
    }

    /// <summary>The gateway port grain clients connect to on 127.0.0.1.</summary>
    public int GatewayPort { get; }

    /// <summary>The public HTTP API.</summary>
    public Uri Address => new(_app.Urls.First());

    /// <summary>Starts a silo; <paramref name="settings"/> (<c>--key=value</c> arguments) are added to its own.</summary>
    public static async Task<EmbeddedSilo> StartAsync(params string[] settings)
    {
        var gatewayPort = FreePort.Next();
        var app = SiloApplication.Build(
            [
                "--urls", "http://127.0.0.1:0",
                "--environment", "Testing",
                $"--Fabric:Clustering:SiloPort={FreePort.Next()}",
                $"--Fabric:Clustering:GatewayPort={gatewayPort}",
                "--Fabric:Shutdown:DeadlineSeconds=5",
                .. settings,
            ],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new EmbeddedSilo(app, gatewayPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
