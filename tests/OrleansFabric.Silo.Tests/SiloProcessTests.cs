using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>The silo as the README runs it: a real process.</summary>
public sealed class SiloProcessTests
{
    private static readonly string s_silo = Path.Combine(AppContext.BaseDirectory, "OrleansFabric.Silo.dll");

    [Fact]
    public async Task A_silo_without_keys_refuses_to_listen_on_a_non_loopback_address()
    {
        var port = FreePort.Next();
        await using var silo = SiloProcess.Start(s_silo, port, OwnPorts(), ["--urls", $"http://0.0.0.0:{port}"]);

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo kept running");
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("refusing to listen on 'http://0.0.0.0:", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Fabric:Api:Keys", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowAnonymous_lets_it_listen_on_all_interfaces_and_SIGTERM_stops_it_with_exit_code_0()
    {
        var port = FreePort.Next();
        await using var silo = SiloProcess.Start(
            s_silo,
            port,
            new Dictionary<string, string>(OwnPorts()) { ["Fabric__Api__AllowAnonymous"] = "true", ["Fabric__Shutdown__DeadlineSeconds"] = "5" },
            ["--urls", $"http://0.0.0.0:{port}"]);
        await silo.WaitUntilReadyAsync();

        silo.Terminate();

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the silo did not stop after SIGTERM");
        Assert.Equal(0, silo.ExitCode);
        Assert.Contains("shutting down", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_setting_stops_the_silo_with_a_message_naming_the_key()
    {
        var port = FreePort.Next();
        await using var silo = SiloProcess.Start(s_silo, port, new Dictionary<string, string>(OwnPorts()) { ["Fabric__Clustering__ResponseTimeoutSeconds"] = "0" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo kept running");
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains("Fabric:Clustering:ResponseTimeoutSeconds", silo.Output, StringComparison.Ordinal);
    }

    /// <summary>Free silo and gateway ports, so the process does not collide with other silos on this machine.</summary>
    private static Dictionary<string, string> OwnPorts() => new()
    {
        ["Fabric__Clustering__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Fabric__Clustering__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
