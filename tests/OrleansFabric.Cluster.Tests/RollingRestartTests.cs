using System.Collections.Concurrent;
using OrleansFabric.Client;
using OrleansFabric.TestKit;
using OrleansFabric.TestSiloHost;

namespace OrleansFabric.Cluster.Tests;

[Collection(nameof(FaultTests))]
public sealed class RollingRestartTests
{
    [Fact]
    public async Task A_rolling_restart_under_load_fails_no_call_made_through_the_typed_client()
    {
        await using var cluster = await Clusters.StartAsync(3);
        var options = new FabricClientOptions { CallTimeout = TimeSpan.FromSeconds(30) };
        foreach (var member in cluster.Members)
        {
            options.Gateways.Add(member.Address);
        }

        using var client = new FabricClient(options);
        var acknowledged = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<string>();
        var stop = false;
        var issued = 0;
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!Volatile.Read(ref stop))
            {
                var n = Interlocked.Increment(ref issued);
                var key = $"g{n % 300}";
                try
                {
                    await client.GetGrain<ILedgerGrain>(key).ApplyAsync($"op{n}");
                    acknowledged[$"op{n}"] = key;
                }
                catch (Exception exception)
                {
                    failures.Enqueue($"op{n}: {exception.GetType().Name}: {exception.Message}");
                }
            }
        })));

        foreach (var member in cluster.Members)
        {
            var before = acknowledged.Count;
            Assert.Equal(0, await member.StopAsync());
            await member.StartAsync();
            await Eventually.TrueAsync(() => acknowledged.Count > before + 50, "calls to keep succeeding", TimeSpan.FromSeconds(60));
        }

        Volatile.Write(ref stop, true);
        await load;

        Assert.True(failures.IsEmpty, $"{failures.Count} calls failed, e.g. {string.Join(" | ", failures.Take(3))}");
        var seen = new Dictionary<string, int>();
        foreach (var key in acknowledged.Values.Distinct())
        {
            foreach (var operation in await client.GetGrain<ILedgerGrain>(key).GetOperationsAsync())
            {
                seen[operation] = seen.GetValueOrDefault(operation) + 1;
            }
        }

        Assert.All(acknowledged.Keys, operation => Assert.Equal(1, seen.GetValueOrDefault(operation)));
    }
}
