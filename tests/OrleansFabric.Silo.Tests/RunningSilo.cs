using System.Net.Http.Json;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>A silo host started in the test process on free loopback ports, talked to over real HTTP.</summary>
internal sealed class RunningSilo : IAsyncDisposable
{
    private RunningSilo(WebApplication app, Uri address)
    {
        App = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Command-line arguments for an in-process silo: an ephemeral HTTP port on 127.0.0.1, its
    /// own free silo and gateway ports (several silos share the test process), a short shutdown
    /// deadline, then <paramref name="settings"/> (which may override any of them).
    /// </summary>
    public static string[] Arguments(IReadOnlyDictionary<string, string?>? settings = null) =>
    [
        "--urls", "http://127.0.0.1:0",
        "--environment", "Testing",
        $"--Fabric:Clustering:SiloPort={FreePort.Next()}",
        $"--Fabric:Clustering:GatewayPort={FreePort.Next()}",

        // A stopping silo lets a running turn finish for this long: tests that end with a brain
        // held open would otherwise wait the default 25 s each when they dispose their silo.
        "--Fabric:Shutdown:DeadlineSeconds=2",
        .. Settings.Arguments(settings ?? new Dictionary<string, string?>()),
    ];

    /// <summary>
    /// Starts a silo with <paramref name="settings"/> as command-line settings; <paramref name="configure"/>
    /// may replace services (a test brain, a fake clock) and <paramref name="map"/> add endpoints.
    /// </summary>
    public static async Task<RunningSilo> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<WebApplication>? map = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var app = SiloApplication.Build(Arguments(settings), builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        try
        {
            map?.Invoke(app);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new RunningSilo(app, new Uri(app.Urls.First()));
    }

    public async Task<T> GetJsonAsync<T>(string path) =>
        (await Client.GetFromJsonAsync<T>(path))!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
