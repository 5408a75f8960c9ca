using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansFabric.TestKit;

/// <summary>
/// Finds TCP ports on 127.0.0.1 that nothing listens on and that no other caller is given.
/// </summary>
/// <remarks>
/// Asking the kernel for port 0 hands out ports from the ephemeral range, which the kernel also
/// gives every outgoing connection (to PostgreSQL, between silos): between the moment a port is
/// found free and the moment a child silo binds it, a connection could take it, and the kernel may
/// hand the same port to the next caller once the probe closes. So ports come from below the
/// ephemeral range, each port once per process, and each held across the test processes
/// <c>dotnet test</c> runs in parallel by an exclusive lock on a file named after it, which the
/// operating system lets go when the process ends, however it ends.
/// </remarks>
public static class FreePort
{
    private const int LowestPort = 10_000;
    private const int MaxAttempts = 2_000;
    private static readonly string s_lockDirectory = Path.Combine(Path.GetTempPath(), "orleansfabric-ports");
    private static readonly HashSet<int> s_given = [];
    private static readonly List<FileStream> s_locks = [];
    private static readonly (int Low, int High) s_range = Range();

    /// <summary>A port that is free, that this process has not handed out before and that no other test process holds.</summary>
    public static int Next()
    {
        lock (s_given)
        {
            Directory.CreateDirectory(s_lockDirectory);
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var port = Random.Shared.Next(s_range.Low, s_range.High);
                if (s_given.Contains(port) || !TryLock(port, out var held))
                {
                    continue;
                }

                if (IsFree(port))
                {
                    s_given.Add(port);
                    s_locks.Add(held);
                    return port;
                }

                held.Dispose();
            }

            throw new InvalidOperationException($"No free port in {s_range.Low}-{s_range.High} after {MaxAttempts} attempts.");
        }
    }

    private static bool TryLock(int port, [NotNullWhen(true)] out FileStream? held)
    {
        try
        {
            held = new FileStream(Path.Combine(s_lockDirectory, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            held = null;
            return false;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The ports below the kernel's ephemeral range (Linux says where it starts; elsewhere below 32768).</summary>
    private static (int Low, int High) Range()
    {
        const string EphemeralRange = "/proc/sys/net/ipv4/ip_local_port_range";
        var ephemeralLow = 32_768;
        if (File.Exists(EphemeralRange)
            && int.TryParse(File.ReadAllText(EphemeralRange).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture, out var low))
        {
            ephemeralLow = low;
        }

        return ephemeralLow > LowestPort + 1_000 ? (LowestPort, ephemeralLow) : (1_024, LowestPort);
    }
}
