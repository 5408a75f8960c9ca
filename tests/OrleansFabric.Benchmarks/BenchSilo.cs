using System.Globalization;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// One real silo process (this build's output of src/OrleansFabric.Silo) on loopback ports:
/// HTTP on 127.0.0.1, its silo and gateway ports chosen free, warnings-only logging.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private BenchSilo(SiloProcess process, int siloPort, int gatewayPort)
    {
        Process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>The silo executable, built beside this program (same configuration and framework).</summary>
    public static string Assembly { get; } = FindSiloAssembly();

    public SiloProcess Process { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The public API's base address.</summary>
    public Uri Address => Process.Address;

    /// <summary>Starts a silo with <paramref name="settings"/> (environment variables, <c>Fabric__…</c>), not waiting for it.</summary>
    public static BenchSilo Start(IReadOnlyDictionary<string, string> settings, int? httpPort = null, int? siloPort = null, int? gatewayPort = null)
    {
        var (http, silo, gateway) = (httpPort ?? FreePort.Next(), siloPort ?? FreePort.Next(), gatewayPort ?? FreePort.Next());
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Fabric__Clustering__SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Fabric__Clustering__GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return new BenchSilo(SiloProcess.Start(Assembly, http, environment), silo, gateway);
    }

    /// <summary>Starts a silo and waits (at most 90 s) until it is ready.</summary>
    public static async Task<BenchSilo> StartReadyAsync(IReadOnlyDictionary<string, string> settings)
    {
        var silo = Start(settings);
        try
        {
            await silo.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the silo with SIGTERM and waits (bounded) for it to exit; it is killed if it does not.</summary>
    public async Task StopAsync()
    {
        Process.Terminate();
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static string FindSiloAssembly()
    {
        // tests/OrleansFabric.Benchmarks/bin/{Configuration}/net10.0/ → src/OrleansFabric.Silo/bin/{Configuration}/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OrleansFabric.sln")))
        {
            root = root.Parent;
        }

        var assembly = Path.Combine(root?.FullName ?? throw new InvalidOperationException("OrleansFabric.sln not found above the benchmark's output: run it from its build output in the repository."), "src", "OrleansFabric.Silo", "bin", configuration, framework, "OrleansFabric.Silo.dll");
        return File.Exists(assembly) ? assembly : throw new InvalidOperationException($"The silo is not built at {assembly}.");
    }
}
