using System.Text.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class ClusterCommandTests
{
    [Fact]
    public async Task The_cluster_table_lists_the_silo_and_its_256_partitions()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync("cluster")).Succeeded();

        var siloId = await SiloIdAsync(silo);
        Assert.Contains("Cluster: 1 silo(s), 1 active; 256 partitions, 256 owned, 0 without owner", result.Out, StringComparison.Ordinal);
        var header = result.Lines.Single(line => line.StartsWith("SILO", StringComparison.Ordinal));
        Assert.Equal(["SILO", "ENDPOINT", "STATUS", "HEARTBEAT", "PARTITIONS", "ACTIVATIONS"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = result.Lines.Single(line => line.StartsWith(siloId + " ", StringComparison.Ordinal) && line.Contains("active", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("STATUS", StringComparison.Ordinal), row.IndexOf("active", StringComparison.Ordinal));
        Assert.Contains(" 256 ", row, StringComparison.Ordinal);
        var owner = result.Lines.Single(line => line.StartsWith(siloId + " ", StringComparison.Ordinal) && line.EndsWith("0-255", StringComparison.Ordinal));
        Assert.Equal([siloId, "256", "1", "0-255"], owner.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task With_json_the_cluster_command_prints_the_api_document()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync("cluster", "--json")).Succeeded();

        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal(256, document.RootElement.GetProperty("partition_count").GetInt32());
        Assert.Equal(256, document.RootElement.GetProperty("partitions").GetArrayLength());
        Assert.Equal("active", document.RootElement.GetProperty("silos")[0].GetProperty("status").GetString());
    }

    internal static async Task<string> SiloIdAsync(CliSilo silo)
    {
        var result = (await silo.RunAsync("cluster", "--json")).Succeeded();
        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.GetProperty("silos")[0].GetProperty("id").GetString()!;
    }
}
