using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>Starts silo processes of the test host over a fresh database on the shared throwaway PostgreSQL.</summary>
internal static class Clusters
{
    public static readonly string Host = Path.Combine(AppContext.BaseDirectory, "OrleansFabric.TestSiloHost.dll");

    public static readonly Dictionary<string, string> Settings = new()
    {
        ["Fabric__Clustering__PartitionCount"] = Ledgers.Partitions.ToString(CultureInfo.InvariantCulture),
        ["Logging__LogLevel__OrleansFabric"] = "Information",
    };

    public static async Task<ProcessCluster> StartAsync(int silos, PostgresServer? server = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        server ??= await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync("cluster");
        var all = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return await ProcessCluster.StartAsync(Host, database, silos, all);
    }

    /// <summary>Polls <c>/v1/cluster</c> on <paramref name="via"/> (bounded) until <paramref name="condition"/> holds for the partitions per silo endpoint.</summary>
    public static async Task<Dictionary<string, int>> WaitForOwnershipAsync(ClusterProcess via, Func<Dictionary<string, int>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        var wait = timeout ?? TimeSpan.FromSeconds(60);
        Dictionary<string, int> ownership = [];
        while (limit.Elapsed < wait)
        {
            try
            {
                ownership = await ProcessCluster.OwnershipAsync(via);
                if (condition(ownership))
                {
                    return ownership;
                }
            }
            catch (HttpRequestException)
            {
                // The silo is busy starting; ask again.
            }

            // Polling other processes: no signal crosses the process boundary.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"Not reached within {wait}: {what}. Last ownership: {string.Join(", ", ownership.Select(pair => $"{pair.Key}={pair.Value}"))}");
    }

    /// <summary>The partition owners as <c>/v1/cluster</c> reports them on <paramref name="via"/>.</summary>
    public static async Task<Dictionary<int, string>> PartitionOwnersAsync(ClusterProcess via)
    {
        using var client = new HttpClient { BaseAddress = via.Address };
        var cluster = await client.GetFromJsonAsync<JsonElement>("/v1/cluster");
        var endpoints = cluster.GetProperty("silos").EnumerateArray().ToDictionary(silo => silo.GetProperty("id").GetString()!, silo => silo.GetProperty("endpoint").GetString()!);
        return cluster.GetProperty("partitions").EnumerateArray()
            .Where(partition => partition.GetProperty("owner").ValueKind == JsonValueKind.String)
            .ToDictionary(partition => partition.GetProperty("partition").GetInt32(), partition => endpoints.GetValueOrDefault(partition.GetProperty("owner").GetString()!, "?"));
    }
}
