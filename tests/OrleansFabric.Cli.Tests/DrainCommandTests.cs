using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cli.Tests;

public sealed class DrainCommandTests
{
    [Fact]
    public async Task Draining_the_only_silo_is_accepted_but_reported_as_impossible_since_no_other_silo_is_active()
    {
        await using var silo = await CliSilo.StartAsync();
        var siloId = await ClusterCommandTests.SiloIdAsync(silo);

        var result = await silo.RunAsync("drain", siloId, "--timeout", "30s");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"Drain of silo {siloId} accepted by {silo.Url}.", result.Out, StringComparison.Ordinal);
        Assert.Contains($"fabric: silo {siloId} keeps its 256 partitions: no other silo is active to take them.", result.Error, StringComparison.Ordinal);
        var cluster = (await silo.RunAsync("cluster")).Succeeded();
        Assert.Contains("256 owned, 0 without owner", cluster.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_waiting_the_drain_prints_the_202_answer_and_exits_0()
    {
        await using var silo = await CliSilo.StartAsync();
        var siloId = await ClusterCommandTests.SiloIdAsync(silo);

        var result = (await silo.RunAsync("drain", siloId, "--no-wait", "--json")).Succeeded();

        using var answer = JsonDocument.Parse(result.Out);
        Assert.Equal(siloId, answer.RootElement.GetProperty("silo_id").GetString());
        Assert.Equal("draining", answer.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Draining_a_silo_that_is_not_in_the_cluster_is_a_not_found_error()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = await silo.RunAsync("drain", "no-such-silo");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fabric: not_found (404): There is no live silo 'no-such-silo' in the cluster.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Draining_one_of_two_silos_hands_all_256_partitions_to_the_other_and_reports_progress()
    {
        await using var cluster = await SharedTablesCluster.StartAsync(2);
        var (drained, other) = (cluster.Silos[0], cluster.Silos[1]);
        var siloId = SiloId(drained);
        await Eventually.PollAsync(
            async () => (await drained.RunAsync("cluster")).Out.Contains("2 silo(s), 2 active", StringComparison.Ordinal),
            "both silos active",
            TimeSpan.FromSeconds(30));

        // The first URL is the other silo: it relays the drain to the silo named over the silo port.
        var result = await CliResult.RunAsync(["drain", siloId, "--timeout", "30s", "--url", $"{other.Url},{drained.Url}"], new CliEnvironment(null, null, false));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"Drain of silo {siloId} accepted by {other.Url}.", result.Out, StringComparison.Ordinal);
        Assert.Matches($"Silo {siloId} is drained: it owns 0 partitions and the other silos own all 256 \\([0-9.]+ s\\)", result.Out);
        Assert.Contains($"fabric: silo {siloId} (", result.Error, StringComparison.Ordinal);
        var after = (await other.RunAsync("cluster", "--json")).Succeeded();
        using var document = JsonDocument.Parse(after.Out);
        var silos = document.RootElement.GetProperty("silos").EnumerateArray().ToDictionary(silo => silo.GetProperty("id").GetString()!);
        Assert.Equal("shutting_down", silos[siloId].GetProperty("status").GetString());
        Assert.Equal(0, silos[siloId].GetProperty("partitions_owned").GetInt32());
        Assert.Equal(256, silos[SiloId(other)].GetProperty("partitions_owned").GetInt32());

        // The drained silo still takes requests and routes them to the new owner.
        var load = (await drained.RunAsync("load", "sessions", "--messages", "20", "--channel", CliSilo.QueueChannel, "--await-answers", "--json")).Succeeded();
        using var summary = JsonDocument.Parse(load.Out);
        Assert.Equal(0, summary.RootElement.GetProperty("errors_total").GetInt64());
        Assert.Equal(20, summary.RootElement.GetProperty("sessions").GetProperty("answered").GetInt64());
    }

    private static string SiloId(CliSilo silo) => silo.Services.GetRequiredService<SiloState>().SiloId;
}
