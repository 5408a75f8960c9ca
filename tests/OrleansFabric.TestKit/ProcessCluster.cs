using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansFabric.TestKit;

/// <summary>
/// Silos as real processes on loopback ports over one PostgreSQL database (the Orleans
/// TestCluster idea, with processes so that tests can kill -9, SIGSTOP and restart them).
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly string _assembly;
    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly List<ClusterProcess> _members = [];

    private ProcessCluster(string assembly, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        _assembly = assembly;
        _connectionString = connectionString;
        _settings = settings;
    }

    /// <summary>The cluster secret every member uses.</summary>
    public const string Secret = "test-cluster-secret-0123456789";

    public IReadOnlyList<ClusterProcess> Members => _members;

    /// <summary>Starts <paramref name="silos"/> silo processes of <paramref name="assembly"/> and waits until each is ready.</summary>
    public static async Task<ProcessCluster> StartAsync(string assembly, string connectionString, int silos, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new ProcessCluster(assembly, connectionString, settings ?? new Dictionary<string, string>());
        for (var i = 0; i < silos; i++)
        {
            await cluster.AddSiloAsync();
        }

        return cluster;
    }

    /// <summary>Starts one more silo and waits until it is ready.</summary>
    public async Task<ClusterProcess> AddSiloAsync()
    {
        var member = new ClusterProcess(this, FreePort.Next(), FreePort.Next());
        _members.Add(member);
        await member.StartAsync();
        return member;
    }

    /// <summary>Reads <c>/v1/cluster</c> from <paramref name="via"/>: partitions owned per silo endpoint.</summary>
    public static async Task<Dictionary<string, int>> OwnershipAsync(ClusterProcess via)
    {
        using var client = new HttpClient { BaseAddress = via.Address, Timeout = TimeSpan.FromSeconds(5) };
        var cluster = await client.GetFromJsonAsync<JsonElement>("/v1/cluster");
        return cluster.GetProperty("silos").EnumerateArray()
            .Where(silo => silo.GetProperty("status").GetString() != "dead")
            .ToDictionary(silo => silo.GetProperty("endpoint").GetString()!, silo => silo.GetProperty("partitions_owned").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }
    }

    internal SiloProcess Launch(int httpPort, int siloPort)
    {
        var environment = new Dictionary<string, string>
        {
            ["Fabric__Clustering__Provider"] = "PostgreSql",
            ["Fabric__Clustering__ConnectionString"] = _connectionString,
            ["Fabric__Clustering__ClusterSecret"] = Secret,
            ["Fabric__Clustering__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Fabric__Clustering__AdvertisedHost"] = "127.0.0.1",
            ["Fabric__Shutdown__DeadlineSeconds"] = "10",
        };
        foreach (var (key, value) in _settings)
        {
            environment[key] = value;
        }

        return SiloProcess.Start(_assembly, httpPort, environment);
    }
}

/// <summary>One silo process of a <see cref="ProcessCluster"/>; it keeps its ports across restarts.</summary>
public sealed class ClusterProcess(ProcessCluster cluster, int httpPort, int siloPort) : IAsyncDisposable
{
    private SiloProcess? _process;

    public int HttpPort { get; } = httpPort;

    public int SiloPort { get; } = siloPort;

    /// <summary>The silo-to-silo endpoint, as <c>/v1/cluster</c> reports it.</summary>
    public string SiloEndpoint => $"127.0.0.1:{SiloPort}";

    public Uri Address => new($"http://127.0.0.1:{HttpPort}");

    public SiloProcess Process => _process ?? throw new InvalidOperationException("The silo is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts (or restarts) the process and waits until it is ready.</summary>
    public async Task StartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _process = cluster.Launch(HttpPort, SiloPort);
        await _process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>kill -9.</summary>
    public void Kill() => Process.Kill();

    /// <summary>SIGSTOP.</summary>
    public void Pause() => Process.Pause();

    /// <summary>SIGCONT.</summary>
    public void Resume() => Process.Resume();

    /// <summary>SIGTERM, then waits (bounded) for the exit code.</summary>
    public async Task<int> StopAsync()
    {
        Process.Terminate();
        if (!await Process.WaitForExitAsync(TimeSpan.FromSeconds(40)))
        {
            throw new TimeoutException($"The silo did not stop after SIGTERM:\n{Process.Output}");
        }

        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
