namespace OrleansFabric.Benchmarks;

/// <summary>The machine's load average (Linux <c>/proc/loadavg</c>): the machine is shared, and every result says how busy it was.</summary>
internal static class LoadAverage
{
    /// <summary>The 1, 5 and 15 minute load averages, as the kernel prints them, or "unknown".</summary>
    public static string Read()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
