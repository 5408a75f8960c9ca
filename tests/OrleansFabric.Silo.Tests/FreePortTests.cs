using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// The ports the tests give their silos, PostgreSQL and Redis: a CI run failed when a silo's HTTP
/// port was the port another silo of the same test had been given for its silo endpoint.
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void Ports_are_never_handed_out_twice_and_come_from_below_the_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 300).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        Assert.All(ports, port => Assert.InRange(port, 1_024, ephemeralLow - 1));
        Assert.All(ports, port =>
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        });
    }

    [Fact]
    public void A_port_handed_out_stays_held_against_other_test_processes()
    {
        var port = FreePort.Next();

        var path = Path.Combine(Path.GetTempPath(), "orleansfabric-ports", port.ToString(CultureInfo.InvariantCulture));
        Assert.Throws<IOException>(() => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None).Dispose());
    }
}
