using System.Globalization;

namespace OrleansFabric.Benchmarks;

/// <summary>CPU seconds a run cost the server process, PostgreSQL and the client (this process, when it is not the server), and the machine's idle and stolen shares meanwhile.</summary>
internal readonly record struct CpuSpent(double Server, double PostgreSql, double Client, (double Idle, double Stolen) Shares)
{
    /// <summary>µs per <paramref name="events"/> for each process, and the machine's shares.</summary>
    public string Describe(long events, string server)
    {
        var count = Math.Max(1, events);
        var client = Client > 0 ? string.Create(CultureInfo.InvariantCulture, $", this process (the client) {Client * 1e6 / count:F0} µs") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{server} {Server * 1e6 / count:F0} µs, PostgreSQL {PostgreSql * 1e6 / count:F0} µs{client}; the machine was {Shares.Idle:P0} idle, {Shares.Stolen:P0} stolen");
    }
}
