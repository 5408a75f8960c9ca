using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Silo.Tests;

/// <summary>A silo host started in the test process on a free loopback port, talked to over real HTTP.</summary>
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
    /// Starts a silo with <paramref name="settings"/> as command-line settings; <paramref name="configure"/>
    /// may replace services (a test brain, a manual clock) and <paramref name="map"/> add endpoints.
    /// </summary>
    public static async Task<RunningSilo> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<WebApplication>? map = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Fabric:Shutdown:DrainSeconds=0" };
        foreach (var (key, value) in settings ?? [])
        {
            args.Add($"--{key}={value}");
        }

        var app = SiloApplication.Build([.. args], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddGrain<IPingGrain, PingGrain>();
            configure?.Invoke(builder);
        });
        map?.Invoke(app);
        await app.StartAsync();
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
