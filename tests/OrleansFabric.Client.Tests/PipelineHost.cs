using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansFabric.Client.Tests;

/// <summary>A pipeline service's host: <c>AddFabricClient</c> from its configuration and an <see cref="EssayPipeline"/>.</summary>
internal static class PipelineHost
{
    /// <summary>Builds the host with <paramref name="settings"/> as its configuration; starting it connects the client.</summary>
    public static IHost Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFabricClient(builder.Configuration);
        builder.Services.AddSingleton<EssayPipeline>();
        return builder.Build();
    }

    /// <summary>Starts a host whose client uses <paramref name="silo"/>'s gateway.</summary>
    public static async Task<IHost> StartAsync(EmbeddedSilo silo)
    {
        var host = Build(new Dictionary<string, string?>
        {
            ["Fabric:Clustering:Provider"] = "Localhost",
            ["Fabric:Clustering:GatewayPort"] = silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }
}
