using System.Text.Json;

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
        Assert.StartsWith("fabric: not_found (404): There is no silo 'no-such-silo' in the cluster.", result.Error, StringComparison.Ordinal);
    }
}
