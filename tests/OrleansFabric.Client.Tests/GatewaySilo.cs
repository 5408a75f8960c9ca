using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansFabric.Batches;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Client.Tests;

/// <summary>A real silo on a loopback port, as a gateway for the client.</summary>
internal sealed class GatewaySilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewaySilo(WebApplication app) => _app = app;

    public Uri Address => new(_app.Urls.First());

    public static async Task<GatewaySilo> StartAsync(params string[] settings)
    {
        var app = SiloApplication.Build(["--urls", "http://127.0.0.1:0", "--Fabric:Shutdown:DrainSeconds=0", .. settings], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddGrain<ICalculatorGrain, CalculatorGrain>();
        });
        await app.StartAsync();
        return new GatewaySilo(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
