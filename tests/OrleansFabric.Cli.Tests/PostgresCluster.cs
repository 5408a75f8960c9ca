using System.Globalization;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cli.Tests;

/// <summary>
/// Real silo processes (the silo's build output) on loopback ports, with membership, grain state
/// and reminders in a fresh database of a throwaway PostgreSQL: a cluster a silo can really leave.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly string s_siloAssembly = Path.Combine(AppContext.BaseDirectory, "OrleansFabric.Silo.dll");
    private readonly List<(SiloProcess Process, int SiloPort)> _silos = [];

    /// <summary>The silos in start order.</summary>
    public IReadOnlyList<(SiloProcess Process, int SiloPort)> Silos => _silos;

    /// <summary>The public URL of silo <paramref name="index"/>.</summary>
    public string Url(int index) => _silos[index].Process.Address.ToString().TrimEnd('/');

    /// <summary>Starts <paramref name="count"/> silos and waits (bounded) until the CLI sees all of them active.</summary>
    public static async Task<PostgresCluster> StartAsync(int count)
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync("cli");
        var clusterId = $"cli-{Guid.NewGuid():N}"[..20];
        var cluster = new PostgresCluster();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var siloPort = FreePort.Next();
                var environment = new Dictionary<string, string>
                {
                    ["Fabric__Clustering__Provider"] = "AdoNet",
                    ["Fabric__Clustering__ConnectionString"] = database,
                    ["Fabric__Clustering__ClusterId"] = clusterId,
                    ["Fabric__Clustering__ServiceId"] = clusterId,
                    ["Fabric__Clustering__AdvertisedAddress"] = "127.0.0.1",
                    ["Fabric__Clustering__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                    ["Fabric__Clustering__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    ["Fabric__Persistence__Provider"] = "AdoNet",
                    ["Fabric__Persistence__ConnectionString"] = database,
                    ["Fabric__Persistence__MaxPoolSize"] = "10",
                    ["Fabric__Shutdown__DeadlineSeconds"] = "10",
                    ["Logging__LogLevel__Default"] = "Warning",
                };
                cluster._silos.Add((SiloProcess.Start(s_siloAssembly, FreePort.Next(), environment), siloPort));
            }

            foreach (var (process, _) in cluster._silos)
            {
                await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            }

            await Eventually.PollAsync(
                async () => (await cluster.ActiveAsync(0)) == count,
                $"{count} active silos in /v1/cluster",
                TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var logs = cluster.Logs();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {e.Message}\n{logs}", e);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>fabric ARGS --url URLS</c> in-process.</summary>
    public static Task<CliResult> RunAsync(string urls, params string[] args) =>
        CliResult.RunAsync([.. args, "--url", urls], new CliEnvironment(null, null, ErrorIsTerminal: false));

    /// <summary>The silo statuses as silo <paramref name="index"/> reports them, by silo port.</summary>
    public async Task<Dictionary<int, string>> StatusesAsync(int index)
    {
        var result = await RunAsync(Url(index), "cluster", "--json");
        if (result.ExitCode != 0)
        {
            return [];
        }

        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.GetProperty("silos").EnumerateArray().ToDictionary(
            silo => int.Parse(silo.GetProperty("address").GetString()!.Split(':')[1], CultureInfo.InvariantCulture),
            silo => silo.GetProperty("status").GetString()!);
    }

    /// <summary>The silo id (<c>ip:port@generation</c>) of silo <paramref name="index"/>, as the API reports it.</summary>
    public async Task<string> SiloIdAsync(int index)
    {
        var result = (await RunAsync(Url(index), "cluster", "--json")).Succeeded();
        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.GetProperty("silos").EnumerateArray()
            .Single(silo => silo.GetProperty("address").GetString() == $"127.0.0.1:{_silos[index].SiloPort}" && silo.GetProperty("status").GetString() == "active")
            .GetProperty("id").GetString()!;
    }

    /// <summary>The tail of every silo's output, for failure messages.</summary>
    public string Logs() => string.Join("\n----\n", _silos.Select(silo =>
        $"silo {silo.SiloPort} (exited: {silo.Process.HasExited}):\n{silo.Process.Output[Math.Max(0, silo.Process.Output.Length - 4000)..]}"));

    private async Task<int> ActiveAsync(int index) => (await StatusesAsync(index)).Values.Count(status => status == "active");

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _silos)
        {
            await process.DisposeAsync();
        }
    }
}
