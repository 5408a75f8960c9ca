using System.Text.Json;
using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Commands;

namespace OrleansFabric.Cli.Tests;

public sealed class ClusterCommandTests
{
    [Fact]
    public async Task The_cluster_table_lists_the_silo_with_its_address_gateway_status_and_activations()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync("cluster")).Succeeded();

        Assert.Matches("^Cluster orleans-fabric: 1 silo\\(s\\), 1 active; [0-9]+ activation\\(s\\)$", result.Lines[0]);
        var header = result.Lines.Single(line => line.StartsWith("SILO", StringComparison.Ordinal));
        Assert.Equal(["SILO", "ADDRESS", "GATEWAY", "STATUS", "HEARTBEAT", "ACTIVATIONS"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = result.Lines.Single(line => line.StartsWith(silo.SiloId + " ", StringComparison.Ordinal));
        var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var address = silo.SiloId[..silo.SiloId.IndexOf('@', StringComparison.Ordinal)];
        Assert.Equal(address, cells[1]);
        Assert.StartsWith("127.0.0.1:", cells[2], StringComparison.Ordinal);
        Assert.NotEqual(address, cells[2]);
        Assert.Equal("active", cells[3]);
        Assert.Equal(header.IndexOf("STATUS", StringComparison.Ordinal), row.IndexOf("active", StringComparison.Ordinal));
        Assert.Matches("^[0-9.]+s$", cells[4]);
        Assert.Equal("ago", cells[5]);
        Assert.True(int.Parse(cells[6], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.DoesNotContain("PARTITION", result.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_json_the_cluster_command_prints_the_api_document()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync("cluster", "--json")).Succeeded();

        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal("orleans-fabric", document.RootElement.GetProperty("cluster_id").GetString());
        Assert.False(document.RootElement.TryGetProperty("partitions", out _));
        var only = Assert.Single(document.RootElement.GetProperty("silos").EnumerateArray());
        Assert.Equal(silo.SiloId, only.GetProperty("id").GetString());
        Assert.Equal("active", only.GetProperty("status").GetString());
        Assert.StartsWith("127.0.0.1:", only.GetProperty("gateway").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_shows_heartbeat_ages_a_missing_gateway_and_every_status()
    {
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var cluster = new ClusterInfo("c1",
        [
            new ClusterSiloInfo("10.0.0.5:11111@1", "10.0.0.5:11111", "10.0.0.5:30000", "active", now.AddHours(-1), now.AddSeconds(-2.5), 1200),
            new ClusterSiloInfo("10.0.0.6:11111@2", "10.0.0.6:11111", null, "dead", now.AddHours(-2), now.AddMinutes(-3).AddSeconds(-10), 0),
        ]);
        using var output = new StringWriter();

        ClusterCommand.Write(output, cluster, now);

        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Cluster c1: 2 silo(s), 1 active; 1200 activation(s)", lines[0]);
        Assert.Equal(["10.0.0.5:11111@1", "10.0.0.5:11111", "10.0.0.5:30000", "active", "2.5s", "ago", "1200"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["10.0.0.6:11111@2", "10.0.0.6:11111", "-", "dead", "3m10s", "ago", "0"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
