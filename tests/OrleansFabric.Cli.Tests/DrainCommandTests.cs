using System.Text.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class DrainCommandTests
{
    private const string Drained = "10.0.0.5:11111@1";
    private const string Other = "10.0.0.6:11111@2";

    [Fact]
    public async Task Draining_the_only_silo_is_refused_as_last_silo_with_exit_code_3_and_the_silo_keeps_serving()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = await silo.RunAsync("drain", silo.SiloId, "--timeout", "30s");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.StartsWith($"fabric: silo {silo.SiloId} was not drained: it is the only active silo, so its grains would have nowhere to go.", result.Error, StringComparison.Ordinal);
        var cluster = (await silo.RunAsync("cluster")).Succeeded();
        Assert.Contains("1 silo(s), 1 active", cluster.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_waiting_a_refused_drain_of_the_only_silo_still_exits_3_and_prints_no_json()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = await silo.RunAsync("drain", silo.SiloId, "--no-wait", "--json");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("only active silo", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Draining_a_silo_that_is_not_in_the_cluster_is_a_not_found_error()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = await silo.RunAsync("drain", "no-such-silo");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fabric: not_found (404): There is no active silo 'no-such-silo' in the cluster.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_drain_watches_until_the_silo_is_dead_reporting_each_status_once()
    {
        await using var api = await ScriptedClusterApi.StartAsync(
            ScriptedClusterApi.Document((Drained, "active"), (Other, "active")),
            ScriptedClusterApi.Document((Drained, "shutting_down"), (Other, "active")),
            ScriptedClusterApi.Document((Drained, "shutting_down"), (Other, "active")),
            ScriptedClusterApi.Document((Drained, "dead"), (Other, "active")));

        var result = await Run(api, "drain", Drained, "--timeout", "30s");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal([Drained], api.Drains);
        Assert.Equal(4, api.Reads);
        Assert.Equal($"Drain of silo {Drained} accepted by {api.Url}.", result.Lines[0]);
        Assert.Matches($"^Silo {Drained} has left the cluster: it is dead in the membership \\([0-9.]+ s\\)\\.$", result.Lines[1]);
        var progress = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, progress.Length);
        Assert.StartsWith($"fabric: silo {Drained} is active with 3 activation(s); 1 other active silo(s) after ", progress[0], StringComparison.Ordinal);
        Assert.StartsWith($"fabric: silo {Drained} is shutting_down with 3 activation(s); 1 other active silo(s) after ", progress[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_gone_from_the_list_has_left_and_a_failing_read_meanwhile_is_waited_out()
    {
        await using var api = await ScriptedClusterApi.StartAsync(
            ScriptedClusterApi.Document((Drained, "shutting_down"), (Other, "active")),
            (503, """{"code":"unavailable","status":503,"detail":"membership is changing"}"""),
            ScriptedClusterApi.Document((Other, "active")));

        var result = await Run(api, "drain", Drained, "--timeout", "30s");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(3, api.Reads);
        Assert.Matches($"^Silo {Drained} has left the cluster: it is no longer in the cluster", result.Lines[1]);
        Assert.Contains("fabric: the cluster answered unavailable (503): membership is changing after ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_still_active_when_the_timeout_passes_is_exit_code_3()
    {
        await using var api = await ScriptedClusterApi.StartAsync(ScriptedClusterApi.Document((Drained, "active"), (Other, "active")));

        var result = await Run(api, "drain", Drained, "--timeout", "1s");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"fabric: timed out after 1.0 s: silo {Drained} is active", result.Error, StringComparison.Ordinal);
        Assert.True(api.Reads >= 2, $"{api.Reads} read(s)");
    }

    [Fact]
    public async Task Without_waiting_the_drain_prints_the_202_answer_and_exits_0()
    {
        await using var api = await ScriptedClusterApi.StartAsync(ScriptedClusterApi.Document((Drained, "active"), (Other, "active")));

        var result = (await Run(api, "drain", Drained, "--no-wait", "--json")).Succeeded();

        using var answer = JsonDocument.Parse(result.Out);
        Assert.Equal(Drained, answer.RootElement.GetProperty("silo_id").GetString());
        Assert.Equal("draining", answer.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, api.Reads);
    }

    [Fact]
    public async Task Draining_one_of_two_real_silos_makes_it_leave_the_cluster_and_exit_0_while_the_other_stays_active()
    {
        await using var cluster = await PostgresCluster.StartAsync(2);
        var drainedId = await cluster.SiloIdAsync(0);

        // The other silo's URL first: it relays the drain; the drained silo stops answering once it has left.
        var result = await PostgresCluster.RunAsync($"{cluster.Url(1)},{cluster.Url(0)}", "drain", drainedId, "--timeout", "60s");

        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\n{result.Out}\n{result.Error}\n{cluster.Logs()}");
        Assert.Equal($"Drain of silo {drainedId} accepted by {cluster.Url(1)}.", result.Lines[0]);
        Assert.StartsWith($"Silo {drainedId} has left the cluster: it ", result.Lines[1], StringComparison.Ordinal);
        Assert.True(await cluster.Silos[0].Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the drained silo did not exit\n" + cluster.Logs());
        Assert.Equal(0, cluster.Silos[0].Process.ExitCode);
        var statuses = await cluster.StatusesAsync(1);
        Assert.Equal("active", statuses[cluster.Silos[1].SiloPort]);
        Assert.True(!statuses.TryGetValue(cluster.Silos[0].SiloPort, out var left) || left == "dead", $"the drained silo is {left}");

        // The one silo left is now the last one: draining it is refused.
        var last = await PostgresCluster.RunAsync(cluster.Url(1), "drain", await cluster.SiloIdAsync(1));
        Assert.Equal(3, last.ExitCode);
        Assert.Contains("only active silo", last.Error, StringComparison.Ordinal);
    }

    private static Task<CliResult> Run(ScriptedClusterApi api, params string[] args) =>
        CliResult.RunAsync([.. args, "--url", api.Url], new CliEnvironment(null, null, ErrorIsTerminal: false));
}
