using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.TestKit;

/// <summary>
/// One silo on the embedded default, hosted in the test process with a
/// <see cref="ManualTimeProvider"/>: the whole runtime as the real host runs it, minus HTTP.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host, ManualTimeProvider time)
    {
        _host = host;
        Time = time;
    }

    /// <summary>The silo's clock.</summary>
    public ManualTimeProvider Time { get; }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>References to grains hosted by this silo.</summary>
    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts a silo with the grains and services <paramref name="configure"/> adds.</summary>
    public static async Task<TestSilo> StartAsync(
        Action<IServiceCollection> configure,
        IReadOnlyDictionary<string, string?>? settings = null,
        ManualTimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var clock = time ?? new ManualTimeProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddFabricRuntime(builder.Configuration);
        configure(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host, clock);
    }

    /// <summary>Stops the silo gracefully (as on SIGTERM).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _host.StopAsync();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
