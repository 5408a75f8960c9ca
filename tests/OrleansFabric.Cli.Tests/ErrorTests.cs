using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class ErrorTests
{
    private const string Key = "sre-key-0123456789abcdef";

    [Fact]
    public async Task An_unreachable_cluster_gives_one_clear_line_and_exit_code_2()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var result = await CliResult.RunAsync(["cluster", "--url", url], new CliEnvironment(null, null, false));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"fabric: cannot reach {url}: connection refused{Environment.NewLine}", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task The_url_comes_from_FABRIC_URL_and_an_unreachable_url_fails_over_to_the_next_one()
    {
        await using var silo = await CliSilo.StartAsync();
        var dead = $"http://127.0.0.1:{ClosedPort()}";

        var result = (await CliResult.RunAsync(["cluster", "--json"], new CliEnvironment($"{dead},{silo.Url}", null, false))).Succeeded();

        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal(silo.SiloId, document.RootElement.GetProperty("silos")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_api_key_from_the_environment_is_sent_and_a_wrong_one_is_unauthorized_with_exit_code_1()
    {
        await using var silo = await CliSilo.StartAsync($"--Fabric:Api:Keys:0:Key={Key}", "--Fabric:Api:Keys:0:Tenants:0=*");

        var withKey = (await silo.RunWithKeyAsync(Key, "cluster")).Succeeded();
        var wrongKey = await silo.RunWithKeyAsync("not-the-key", "cluster");
        var noKey = await silo.RunAsync("load", "sessions", "--messages", "5");

        Assert.Contains("1 silo(s), 1 active", withKey.Out, StringComparison.Ordinal);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.StartsWith("fabric: unauthorized (401): ", wrongKey.Error, StringComparison.Ordinal);
        Assert.Equal(1, noKey.ExitCode);
        Assert.StartsWith("fabric: unauthorized (401): ", noKey.Error, StringComparison.Ordinal);
        Assert.Equal("", noKey.Out);
    }

    [Fact]
    public async Task A_drain_needs_a_key_for_every_tenant_and_a_tenant_key_is_forbidden()
    {
        await using var silo = await CliSilo.StartAsync(
            $"--Fabric:Api:Keys:0:Key={Key}", "--Fabric:Api:Keys:0:Tenants:0=*",
            "--Fabric:Api:Keys:1:Key=tenant-key-0123456789", "--Fabric:Api:Keys:1:Tenants:0=t1");
        var result = await silo.RunWithKeyAsync("tenant-key-0123456789", "drain", silo.SiloId);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fabric: forbidden (403): ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "Usage: fabric <command>")]
    [InlineData(new[] { "clusters" }, "fabric: unknown command 'clusters'")]
    [InlineData(new[] { "load", "essays" }, "fabric: unknown command 'load essays'")]
    [InlineData(new[] { "load" }, "Usage: fabric load batches")]
    [InlineData(new[] { "session" }, "fabric session: missing <session_key>")]
    [InlineData(new[] { "batch", "b1", "b2" }, "fabric batch: unexpected argument 'b2'")]
    [InlineData(new[] { "cluster", "--verbose" }, "fabric cluster: unknown option --verbose")]
    [InlineData(new[] { "drain", "s1", "--timeout" }, "fabric drain: option --timeout needs a value")]
    [InlineData(new[] { "drain", "s1", "--timeout", "soon" }, "fabric drain: --timeout must be a duration")]
    [InlineData(new[] { "load", "sessions", "--sessions", "0" }, "fabric load sessions: --sessions must be a whole number from 1 to")]
    [InlineData(new[] { "load", "batches", "--duplicates", "x" }, "fabric load batches: --duplicates must be a number from 0 to 10")]
    [InlineData(new[] { "cluster", "--url", "localhost:8080" }, "fabric cluster: --url: 'localhost:8080' is not an http:// or https:// URL")]
    public async Task Usage_errors_say_what_is_wrong_and_exit_with_64(string[] args, string message)
    {
        var result = await CliResult.RunAsync(args, new CliEnvironment($"http://127.0.0.1:{ClosedPort()}", null, false));

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("cluster", "Usage: fabric cluster")]
    [InlineData("session", "Usage: fabric session <session_key>")]
    [InlineData("batch", "Usage: fabric batch <batch_id>")]
    [InlineData("drain", "--no-wait")]
    [InlineData("load sessions", "--await-answers")]
    [InlineData("load batches", "--duplicates F")]
    [InlineData("load", "Usage: fabric load sessions")]
    public async Task Every_command_has_help_on_stdout(string command, string text)
    {
        var result = (await CliResult.RunAsync([.. command.Split(' '), "--help"], new CliEnvironment(null, null, false))).Succeeded();

        Assert.Contains(text, result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
