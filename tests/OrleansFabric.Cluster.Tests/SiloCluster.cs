using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Real silo processes (the silo's own build output) on loopback ports, clustered through a
/// throwaway Redis (or PostgreSQL) with grain state and reminders in a fresh database of a
/// throwaway PostgreSQL: the production configuration of API.md, driven only over HTTP.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly List<Member> _members = [];

    private SiloCluster(Dictionary<string, string> settings, string clusterId, string databaseConnectionString, string membershipConnectionString)
    {
        _settings = settings;
        ClusterId = clusterId;
        DatabaseConnectionString = databaseConnectionString;
        MembershipConnectionString = membershipConnectionString;
    }

    /// <summary>The cluster's id (unique per test, so one Redis serves every test).</summary>
    public string ClusterId { get; }

    /// <summary>The Npgsql connection string of the cluster's database.</summary>
    public string DatabaseConnectionString { get; }

    /// <summary>Where membership lives: the Redis configuration or the database.</summary>
    public string MembershipConnectionString { get; }

    /// <summary>The silos started so far, in start order (killed ones included).</summary>
    public IReadOnlyList<Member> Members => _members;

    /// <summary>The silo executable: this build's output of src/OrleansFabric.Silo.</summary>
    public static string SiloAssembly { get; } = FindSiloAssembly();

    /// <summary>Starts <paramref name="silos"/> silos (membership in Redis unless <paramref name="adoNetMembership"/>) and waits until all are ready.</summary>
    public static async Task<SiloCluster> StartAsync(int silos, bool adoNetMembership = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync("cluster");
        var clusterId = $"test-{Guid.NewGuid():N}"[..20];
        var membership = adoNetMembership ? database : (await RedisServer.SharedAsync()).Configuration;
        var all = new Dictionary<string, string>
        {
            ["Fabric__Clustering__Provider"] = adoNetMembership ? "AdoNet" : "Redis",
            ["Fabric__Clustering__ConnectionString"] = membership,
            ["Fabric__Clustering__ClusterId"] = clusterId,
            ["Fabric__Clustering__ServiceId"] = clusterId,
            ["Fabric__Clustering__AdvertisedAddress"] = "127.0.0.1",
            ["Fabric__Persistence__Provider"] = "AdoNet",
            ["Fabric__Persistence__ConnectionString"] = database,
            ["Fabric__Persistence__MaxPoolSize"] = "10",
            ["Fabric__Sessions__Channels__load__Strategy"] = "queue",
            ["Fabric__Shutdown__DeadlineSeconds"] = "10",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var cluster = new SiloCluster(all, clusterId, database, membership);
        for (var i = 0; i < silos; i++)
        {
            cluster.StartMember();
        }

        foreach (var member in cluster._members)
        {
            await member.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
        }

        await cluster.WaitForActiveAsync(silos);
        return cluster;
    }

    /// <summary>Starts one more silo on fresh ports, or on the ports of <paramref name="replacing"/> (a restart).</summary>
    public Member StartMember(Member? replacing = null)
    {
        var (http, silo, gateway) = replacing is null ? (FreePort.Next(), FreePort.Next(), FreePort.Next()) : (replacing.HttpPort, replacing.SiloPort, replacing.GatewayPort);
        var environment = new Dictionary<string, string>(_settings)
        {
            ["Fabric__Clustering__SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Fabric__Clustering__GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
        };
        var member = new Member(SiloProcess.Start(SiloAssembly, http, environment), http, silo, gateway);
        _members.Add(member);
        return member;
    }

    /// <summary>Polls <c>/v1/cluster</c> on a live silo (bounded) until exactly <paramref name="count"/> silos are active.</summary>
    public async Task<JsonElement> WaitForActiveAsync(int count, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        var last = default(JsonElement);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var member in _members.Where(member => !member.Process.HasExited))
            {
                try
                {
                    last = await http.GetFromJsonAsync<JsonElement>(new Uri(member.Address, "/v1/cluster"));
                    if (last.GetProperty("silos").EnumerateArray().Count(silo => silo.GetProperty("status").GetString() == "active") == count)
                    {
                        return last;
                    }
                }
                catch (HttpRequestException)
                {
                    // That silo is not answering (yet, or any more); ask another.
                }
                catch (TaskCanceledException)
                {
                    // Busy: ask again.
                }
            }

            // Polling other processes: no signal crosses the process boundary.
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"{count} active silos not reached; last /v1/cluster: {last}\n{Logs()}");
    }

    /// <summary>The tail of every silo's output, for failure messages.</summary>
    public string Logs() =>
        string.Join("\n----\n", _members.Select(member => $"silo on {member.HttpPort} (exited: {member.Process.HasExited}):\n{Tail(member.Process.Output)}"));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        var logs = Environment.GetEnvironmentVariable("FABRIC_TEST_LOGS");
        foreach (var member in _members)
        {
            await member.Process.DisposeAsync();
            if (!string.IsNullOrEmpty(logs))
            {
                Directory.CreateDirectory(logs);
                await File.WriteAllTextAsync(Path.Combine(logs, $"{ClusterId}-{member.HttpPort}.log"), member.Process.Output);
            }
        }
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];

    private static string FindSiloAssembly()
    {
        // tests/OrleansFabric.Cluster.Tests/bin/{Configuration}/net10.0/ → src/OrleansFabric.Silo/bin/{Configuration}/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OrleansFabric.sln")))
        {
            root = root.Parent;
        }

        var assembly = Path.Combine(root?.FullName ?? throw new InvalidOperationException("OrleansFabric.sln not found above the test output."), "src", "OrleansFabric.Silo", "bin", configuration, framework, "OrleansFabric.Silo.dll");
        return File.Exists(assembly) ? assembly : throw new InvalidOperationException($"The silo is not built at {assembly}.");
    }

    /// <summary>One silo process and its ports.</summary>
    internal sealed record Member(SiloProcess Process, int HttpPort, int SiloPort, int GatewayPort)
    {
        /// <summary>Its public API.</summary>
        public Uri Address => Process.Address;

        /// <summary>Its id in <c>/v1/cluster</c> (the address part; the generation follows the '@').</summary>
        public string EndpointPrefix => $"127.0.0.1:{SiloPort}@";
    }
}
