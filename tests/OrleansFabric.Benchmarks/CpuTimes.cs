using System.Globalization;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// CPU time from <c>/proc</c> (Linux): of the server under test (this process, or a silo
/// process), of this process's children that have exited (wrk or pgbench, once waited for), of
/// a PostgreSQL server (the postmaster, its live backends and the children it has reaped) and
/// of the whole machine, idle and stolen included. Two samples around a run say where its CPU
/// went, per message: whether a slow run spent more CPU on each message or left the cores idle.
/// </summary>
internal readonly record struct CpuTimes(double Server, double Children, double PostgreSql, double Busy, double Idle, double Stolen)
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on

    /// <summary>
    /// Samples now. <paramref name="server"/> is the server's process id (0: this process);
    /// <paramref name="postmaster"/> is the PostgreSQL server's process id, or 0.
    /// </summary>
    public static CpuTimes Sample(int server, int postmaster)
    {
        var self = Stat("self");
        var serverStat = server == 0 ? self : Stat(server.ToString(CultureInfo.InvariantCulture));
        var postgres = 0.0;
        if (postmaster > 0 && Stat(postmaster.ToString(CultureInfo.InvariantCulture)) is { } master)
        {
            postgres = master.Own + master.Reaped;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(directory);
                if (name.All(char.IsAsciiDigit) && Stat(name) is { } child && child.Parent == postmaster)
                {
                    postgres += child.Own;
                }
            }
        }

        var (busy, idle, stolen) = Machine();
        return new CpuTimes(serverStat?.Own ?? 0, self?.Reaped ?? 0, postgres, busy, idle, stolen);
    }

    /// <summary>The parent of a process (a PostgreSQL backend's is the postmaster), or 0 when it is gone.</summary>
    public static int ParentOf(int process) => Stat(process.ToString(CultureInfo.InvariantCulture))?.Parent ?? 0;

    /// <summary>The share of the machine's time that was idle and that the hypervisor gave to other guests (steal), since <paramref name="before"/>.</summary>
    public (double Idle, double Stolen) MachineShares(CpuTimes before)
    {
        var total = Math.Max(1e-9, Busy - before.Busy + Idle - before.Idle + Stolen - before.Stolen);
        return ((Idle - before.Idle) / total, (Stolen - before.Stolen) / total);
    }

    /// <summary>
    /// The CPU each part spent from <paramref name="before"/> to this sample, in µs per
    /// <paramref name="messages"/>: the server unless <paramref name="server"/> is null,
    /// PostgreSQL when <paramref name="postgreSql"/>, the exited children as
    /// <paramref name="client"/>; and the shares of the machine's time left idle and stolen.
    /// </summary>
    public string PerMessage(CpuTimes before, long messages, string? server, bool postgreSql, string client)
    {
        var count = Math.Max(1, messages);
        string Micros(string part, double seconds) => string.Create(CultureInfo.InvariantCulture, $"{part} {seconds * 1e6 / count:F0} µs");
        var parts = new List<string>(3);
        if (server is not null)
        {
            parts.Add(Micros(server, Server - before.Server));
        }

        if (postgreSql)
        {
            parts.Add(Micros("PostgreSQL", PostgreSql - before.PostgreSql));
        }

        parts.Add(Micros(client, Children - before.Children));
        var (idle, stolen) = MachineShares(before);
        return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", parts)}; the machine was {idle:P0} idle, {stolen:P0} stolen");
    }

    /// <summary>utime + stime, cutime + cstime (seconds) and the parent of a process, or null when it is gone.</summary>
    private static (double Own, double Reaped, int Parent)? Stat(string process)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{process}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
        return (Ticks(14) + Ticks(15), Ticks(16) + Ticks(17), int.Parse(fields[4 - 3], CultureInfo.InvariantCulture));
    }

    /// <summary>The machine's busy, idle and stolen seconds (all cores) from the first line of <c>/proc/stat</c>.</summary>
    private static (double Busy, double Idle, double Stolen) Machine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(value => long.Parse(value, CultureInfo.InvariantCulture) / TicksPerSecond).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        var idle = fields[3] + fields[4];
        return (fields.Take(7).Sum() - idle, idle, fields[7]);
    }
}
