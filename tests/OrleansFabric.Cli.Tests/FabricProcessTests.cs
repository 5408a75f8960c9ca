using System.Diagnostics;

namespace OrleansFabric.Cli.Tests;

/// <summary>The built fabric executable, run as SREs run it.</summary>
public sealed class FabricProcessTests
{
    [Fact]
    public async Task The_fabric_executable_prints_the_cluster_table_and_exits_0()
    {
        await using var silo = await CliSilo.StartAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "fabric.dll"), "cluster", "--url", silo.Url },
        };
        start.Environment.Remove("FABRIC_URL");
        start.Environment.Remove("FABRIC_API_KEY");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await error}");
        Assert.Contains("Cluster orleans-fabric: 1 silo(s), 1 active;", await output, StringComparison.Ordinal);
        Assert.Contains(silo.SiloId, await output, StringComparison.Ordinal);
    }
}
