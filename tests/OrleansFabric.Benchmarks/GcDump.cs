using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The .NET diagnostics tool <c>dotnet-gcdump</c> (<c>dotnet tool install -g dotnet-gcdump</c>),
/// when it is installed: a heap snapshot of a running process over its diagnostics port (the
/// runtime collects the whole heap first, then walks what is reachable), read back as bytes and
/// objects per type. Two snapshots subtracted say what a set of activations holds, type by type.
/// </summary>
internal static partial class GcDump
{
    /// <summary>The tool on PATH or in the global tools folder, or null.</summary>
    public static string? Find()
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        folders.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return folders.Select(folder => Path.Combine(folder, "dotnet-gcdump")).FirstOrDefault(File.Exists);
    }

    /// <summary>Snapshots process <paramref name="processId"/> (bounded: 10 min) and reads its per-type table.</summary>
    public static async Task<Snapshot> TakeAsync(string tool, int processId)
    {
        var file = Path.Combine(Path.GetTempPath(), $"memory-{processId}-{Guid.NewGuid():N}.gcdump");
        try
        {
            // The tool gives up after 30 s unless told otherwise: a large heap on a busy machine takes longer.
            await RunAsync(tool, ["collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "-o", file, "-t", "540"]);
            if (!File.Exists(file))
            {
                throw new InvalidOperationException("dotnet-gcdump wrote no snapshot.");
            }

            var report = await RunAsync(tool, ["report", file]);
            var types = new Dictionary<string, (long Bytes, long Count)>(StringComparer.Ordinal);
            var total = 0L;
            foreach (var line in report.Split('\n'))
            {
                if (HeaderPattern().Match(line) is { Success: true } header)
                {
                    total = Number(header.Groups["bytes"].Value);
                }
                else if (RowPattern().Match(line) is { Success: true } row)
                {
                    var type = row.Groups["type"].Value.Trim();
                    types.TryGetValue(type, out var sum);
                    // The report gives each type's (or size class's) bytes per object and its count.
                    var count = Number(row.Groups["count"].Value);
                    types[type] = (sum.Bytes + (Number(row.Groups["bytes"].Value) * count), sum.Count + count);
                }
            }

            return new Snapshot(total, types);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static long Number(string text) => long.Parse(text.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static async Task<string> RunAsync(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("dotnet-gcdump did not finish within 10 minutes.");
        }

        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"dotnet-gcdump {arguments[0]} failed ({process.ExitCode}): {await output}{await errors}");
    }

    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+GC Heap bytes")]
    private static partial Regex HeaderPattern();

    // "   Object Bytes     Count  Type" (bytes per object): arrays are split by size class ("(Bytes > 1K)"), kept as separate rows.
    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+(?<count>[\d,]+)\s+(?<type>\S.*?)\s*$")]
    private static partial Regex RowPattern();

    /// <summary>A snapshot: the heap size it reports and, per type, the bytes and objects reachable.</summary>
    internal sealed record Snapshot(long HeapBytes, Dictionary<string, (long Bytes, long Count)> Types)
    {
        /// <summary>The bytes of every reachable object.</summary>
        public long ObjectBytes => Types.Values.Sum(type => type.Bytes);

        /// <summary>The <paramref name="top"/> types that grew most from <paramref name="before"/>: bytes and objects more.</summary>
        public IEnumerable<(string Type, long Bytes, long Count)> GrowthSince(Snapshot before, int top) =>
            Types.Select(type =>
                {
                    before.Types.TryGetValue(type.Key, out var earlier);
                    return (type.Key, type.Value.Bytes - earlier.Bytes, type.Value.Count - earlier.Count);
                })
                .OrderByDescending(type => type.Item2)
                .Take(top);
    }
}
