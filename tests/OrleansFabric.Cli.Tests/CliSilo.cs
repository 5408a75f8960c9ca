using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Cli.Tests;

/// <summary>A silo started in the test process on a free loopback port, and the fabric command run in-process against it.</summary>
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

    public static Task<CliSilo> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <summary>Starts a silo; <paramref name="configure"/> may replace its services (shared cluster tables).</summary>
    public static async Task<CliSilo> StartAsync(Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            "--Fabric:Shutdown:DrainSeconds=0",
            $"--Fabric:Sessions:Channels:{QueueChannel}:Strategy=queue",
            .. settings,
        ];
        var app = SiloApplication.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
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
