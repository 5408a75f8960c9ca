using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cli.Tests;

/// <summary>
/// A silo started in the test process on loopback (an ephemeral HTTP port and its own free silo
/// and gateway ports), and the fabric command run in-process against it.
/// </summary>
internal sealed class CliSilo : IAsyncDisposable
{
    /// <summary>Sessions on the <c>load</c> channel run one turn per message, at once.</summary>
    public const string QueueChannel = "load";

    private readonly WebApplication _app;

    private CliSilo(WebApplication app)
    {
        _app = app;
        Url = app.Urls.First();
    }

    public string Url { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The silo's id as Orleans has it (<c>ip:port@generation</c>), which the API reports.</summary>
    public string SiloId => _app.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

    public static Task<CliSilo> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <summary>Starts a silo; <paramref name="configure"/> may replace its services.</summary>
    public static async Task<CliSilo> StartAsync(Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            $"--Fabric:Clustering:SiloPort={FreePort.Next()}",
            $"--Fabric:Clustering:GatewayPort={FreePort.Next()}",
            "--Fabric:Shutdown:DeadlineSeconds=5",
            $"--Fabric:Sessions:Channels:{QueueChannel}:Strategy=queue",
            .. settings,
        ];
        var app = SiloApplication.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new CliSilo(app);
    }

    /// <summary>Runs <c>fabric ARGS --url this-silo</c> in-process.</summary>
    public Task<CliResult> RunAsync(params string[] args) => RunWithKeyAsync(null, args);

    public Task<CliResult> RunWithKeyAsync(string? apiKey, params string[] args) =>
        CliResult.RunAsync([.. args, "--url", Url], new CliEnvironment(null, apiKey, ErrorIsTerminal: false));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
