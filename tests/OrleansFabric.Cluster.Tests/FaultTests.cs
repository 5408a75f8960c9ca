using System.Diagnostics;
using System.Net;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Real silo processes over a real PostgreSQL, killed with SIGKILL, paused with SIGSTOP and
/// stopped with SIGTERM. Each test asserts exact outcomes from the ledgers: acknowledged
/// operations are present exactly once, and nothing is ever applied twice.
/// </summary>
[Collection(nameof(FaultTests))]
public sealed class FaultTests
{
    private static bool Balanced(Dictionary<string, int> ownership, int silos) =>
        ownership.Count == silos && ownership.Values.Sum() == Ledgers.Partitions && ownership.Values.All(owned => owned >= Ledgers.Partitions / silos);

    [Fact]
    public async Task Three_silos_share_the_partitions_and_route_every_call_to_one_activation()
    {
        await using var cluster = await Clusters.StartAsync(3);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 3), "partitions spread over 3 silos");
        using var ledgers = new Ledgers(cluster);

        await ledgers.RunAsync(grains: 60, operations: 600, workers: 16);

        Assert.True(600 == ledgers.Acknowledged.Count, $"{ledgers.Acknowledged.Count} acknowledged; first other outcome: {ledgers.FirstUnknown}\n{string.Join("\n----\n", cluster.Members.Select(m => m.Process.Output[^Math.Min(4000, m.Process.Output.Length)..]))}");
        await ledgers.AssertNothingLostNothingTwiceAsync(60);

        // Every silo wrote the state of the ledgers it owns, and its /metrics says how: its
        // PostgreSQL batches, and none of them failed.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var member in cluster.Members)
        {
            var text = await http.GetStringAsync(new Uri(member.Address, "/metrics"));
            Assert.Matches("fabric_storage_batch_statements_sum\\{outcome=\"committed\"\\} [1-9]", text);
            Assert.Matches("fabric_storage_queue_seconds_count [1-9]", text);
            Assert.DoesNotContain("outcome=\"failed\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Killing_a_silo_mid_run_loses_no_acknowledged_write_and_applies_none_twice()
    {
        await using var cluster = await Clusters.StartAsync(3);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 3), "partitions spread over 3 silos");
        using var ledgers = new Ledgers(cluster);
        var killed = false;

        var run = ledgers.RunAsync(grains: 5000, operations: 6000, workers: 24);
        await Eventually.TrueAsync(() => ledgers.Acknowledged.Count >= 1500, "1,500 acknowledged operations", TimeSpan.FromSeconds(60));
        cluster.Members[1].Kill();
        killed = true;
        await run;

        Assert.True(killed);
        // Only calls in flight on or to the killed silo may end with an unknown outcome.
        Assert.Equal(6000, ledgers.Acknowledged.Count + ledgers.Unknown.Count);
        Assert.True(ledgers.Unknown.Count <= 100, $"{ledgers.Unknown.Count} calls ended with an unknown outcome; first: {ledgers.FirstUnknown}");
        await ledgers.AssertNothingLostNothingTwiceAsync(5000);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 2), "the dead silo's partitions taken over");
    }

    [Fact]
    public async Task A_paused_silos_late_write_is_fenced_and_it_drops_the_partitions_it_lost()
    {
        await using var cluster = await Clusters.StartAsync(2);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 2), "partitions spread over 2 silos");
        var (paused, survivor) = (cluster.Members[0], cluster.Members[1]);
        var owners = await Clusters.PartitionOwnersAsync(survivor);
        var key = Enumerable.Range(0, 10_000).Select(i => $"fenced{i}").First(k => owners[Ledgers.Grain(k).Partition(Ledgers.Partitions)] == paused.SiloEndpoint);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        // A turn on the paused silo that will try to write after the pause.
        var late = http.PostAsync(new Uri(paused.Address, $"/test/ledgers/{key}/late-op/slowly/2000"), null);
        await WaitForActivationAsync(paused, http);
        paused.Pause();
        await Clusters.WaitForOwnershipAsync(survivor, ownership => ownership.GetValueOrDefault(survivor.SiloEndpoint) == Ledgers.Partitions, "the survivor owning every partition", TimeSpan.FromSeconds(30));
        paused.Resume();

        using var response = await late;
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        var ledger = await http.GetStringAsync(new Uri(survivor.Address, $"/test/ledgers/{key}"));
        Assert.DoesNotContain("late-op", ledger, StringComparison.Ordinal);
        await Eventually.PollAsync(() => Task.FromResult(paused.Process.Output.Contains("Lost ", StringComparison.Ordinal)), "the paused silo to notice it lost its leases", TimeSpan.FromSeconds(30));
        Assert.Contains("rejected: partition", paused.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reminder_of_a_killed_silo_fires_once_on_the_new_owner_at_most_a_lease_TTL_late()
    {
        await using var cluster = await Clusters.StartAsync(2);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 2), "partitions spread over 2 silos");
        var (survivor, victim) = (cluster.Members[0], cluster.Members[1]);
        var owners = await Clusters.PartitionOwnersAsync(survivor);
        var key = Enumerable.Range(0, 10_000).Select(i => $"remind{i}").First(k => owners[Ledgers.Grain(k).Partition(Ledgers.Partitions)] == victim.SiloEndpoint);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        (await http.PostAsync(new Uri(victim.Address, $"/test/ledgers/{key}/remind/wake/3"), null)).EnsureSuccessStatusCode();
        var due = Stopwatch.StartNew();
        victim.Kill();

        await Eventually.PollAsync(
            async () => (await http.GetStringAsync(new Uri(survivor.Address, $"/test/ledgers/{key}"))).Contains("reminder:wake", StringComparison.Ordinal),
            "the reminder to fire on the survivor",
            TimeSpan.FromSeconds(30));
        var late = due.Elapsed - TimeSpan.FromSeconds(3);

        // The lease (6 s) can only move once it expires; the reminder then fires at once.
        Assert.True(late < TimeSpan.FromSeconds(6 + 2), $"the reminder fired {late.TotalSeconds:F1} s late");
        var operations = await http.GetStringAsync(new Uri(survivor.Address, $"/test/ledgers/{key}"));
        Assert.Single(System.Text.Json.JsonSerializer.Deserialize<string[]>(operations)!, operation => operation == "reminder:wake");
    }

    [Fact]
    public async Task A_gracefully_stopped_silo_hands_its_partitions_over_well_before_a_lease_could_expire()
    {
        await using var cluster = await Clusters.StartAsync(2);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 2), "partitions spread over 2 silos");
        var survivor = cluster.Members[0];

        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await cluster.Members[1].StopAsync());
        await Clusters.WaitForOwnershipAsync(survivor, ownership => ownership.GetValueOrDefault(survivor.SiloEndpoint) == Ledgers.Partitions, "the survivor owning every partition", TimeSpan.FromSeconds(30));

        // Released at once: taken within about one lease interval (2 s), not a TTL (6 s) after.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5.5), $"hand-off took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_drain_sent_to_one_silo_is_relayed_to_the_silo_named_which_hands_over_every_partition()
    {
        await using var cluster = await Clusters.StartAsync(2);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 2), "partitions spread over 2 silos");
        var (gateway, drained) = (cluster.Members[0], cluster.Members[1]);
        using var http = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(30) };
        var silos = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "/v1/cluster")).GetProperty("silos").EnumerateArray();
        var drainedId = silos.Single(silo => silo.GetProperty("endpoint").GetString() == drained.SiloEndpoint).GetProperty("id").GetString()!;

        using var accepted = await http.PostAsync(new Uri($"/v1/cluster/silos/{Uri.EscapeDataString(drainedId)}/drain", UriKind.Relative), null);
        using var unknown = await http.PostAsync(new Uri("/v1/cluster/silos/no-such-silo/drain", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await Clusters.WaitForOwnershipAsync(gateway, ownership => ownership.GetValueOrDefault(gateway.SiloEndpoint) == Ledgers.Partitions, "the gateway owning every partition", TimeSpan.FromSeconds(30));
        using var routed = await http.PostAsync(new Uri(drained.Address, "/test/ledgers/after-drain/op-1"), null);
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
    }

    [Fact]
    public async Task Scaling_from_one_silo_to_three_and_back_under_load_spreads_partitions_and_loses_nothing()
    {
        await using var cluster = await Clusters.StartAsync(1);
        using var ledgers = new Ledgers(cluster);
        var stop = false;
        var load = ledgers.RunAsync(grains: 200, operations: int.MaxValue, workers: 8, () => Volatile.Read(ref stop));

        await cluster.AddSiloAsync();
        await cluster.AddSiloAsync();
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => Balanced(ownership, 3), "partitions spread over 3 silos");
        Assert.Equal(0, await cluster.Members[2].StopAsync());
        Assert.Equal(0, await cluster.Members[1].StopAsync());
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => ownership.GetValueOrDefault(cluster.Members[0].SiloEndpoint) == Ledgers.Partitions, "the first silo owning every partition again");
        Volatile.Write(ref stop, true);
        await load;

        Assert.True(ledgers.Acknowledged.Count > 100);
        Assert.True(ledgers.Unknown.Count <= 16, $"{ledgers.Unknown.Count} calls ended with an unknown outcome; first: {ledgers.FirstUnknown}");
        await ledgers.AssertNothingLostNothingTwiceAsync(200);
    }

    [Fact]
    public async Task When_PostgreSQL_is_down_for_10_seconds_silos_turn_unready_and_then_recover()
    {
        await using var server = await PostgresServer.StartAsync();
        await using var cluster = await Clusters.StartAsync(2, server);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        await server.StopAsync();
        var down = Stopwatch.StartNew();
        foreach (var member in cluster.Members)
        {
            await Eventually.PollAsync(async () => await StatusAsync(http, member) == HttpStatusCode.ServiceUnavailable, "the silo to report unready", TimeSpan.FromSeconds(20));
        }

        // The outage itself is the point here: keep PostgreSQL down for the full 10 seconds.
        var remaining = TimeSpan.FromSeconds(10) - down.Elapsed;
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        await server.StartAgainAsync();
        foreach (var member in cluster.Members)
        {
            await Eventually.PollAsync(async () => await StatusAsync(http, member) == HttpStatusCode.OK, "the silo to be ready again", TimeSpan.FromSeconds(60));
        }

        using var ledgers = new Ledgers(cluster);
        Assert.True(await ledgers.ApplyAsync("after-outage", "op-after"));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, ClusterProcess member)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(member.Address, "/health/ready"));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return HttpStatusCode.BadGateway;
        }
    }

    private static async Task WaitForActivationAsync(ClusterProcess silo, HttpClient http)
    {
        await Eventually.PollAsync(
            async () => (await http.GetStringAsync(new Uri(silo.Address, "/metrics"))).Contains("fabric_activations{grain_type=\"ledger\"} 1", StringComparison.Ordinal),
            "the slow turn to start on the silo to be paused",
            TimeSpan.FromSeconds(20));
    }
}
