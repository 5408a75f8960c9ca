using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The .NET diagnostics tool <c>dotnet-dump</c> (<c>dotnet tool install -g dotnet-dump</c>),
/// when it is installed: a heap dump of a running process, read back with SOS's
/// <c>dumpheap -stat -live</c> (bytes and objects per type, reachable objects only). Two
/// snapshots subtracted say what a set of activations holds, type by type. (<c>dotnet-gcdump</c>
/// was the first choice, being lighter; on this machine its event stream lost a fifth of the
/// objects of a 100 MB heap, so its per-type figures did not add up to the collector's.)
/// </summary>
internal static partial class HeapDump
{
    /// <summary>The tool on PATH or in the global tools folder, or null.</summary>
    public static string? Find()
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        folders.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return folders.Select(folder => Path.Combine(folder, "dotnet-dump")).FirstOrDefault(File.Exists);
    }

    /// <summary>Dumps process <paramref name="processId"/>'s heap (bounded: 10 min a step), reads its per-type table and deletes the dump.</summary>
    public static async Task<Snapshot> TakeAsync(string tool, int processId)
    {
        var file = Path.Combine(Path.GetTempPath(), $"memory-{processId}-{Guid.NewGuid():N}.dmp");
        try
        {
            await RunAsync(tool, ["collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "--type", "Heap", "-o", file]);
            var report = await RunAsync(tool, ["analyze", file, "-c", "dumpheap -stat -live", "-c", "exit"]);
            var types = new Dictionary<string, (long Bytes, long Count)>(StringComparer.Ordinal);
            foreach (var line in report.Split('\n'))
            {
                // "              MT    Count    TotalSize Class Name"
                if (RowPattern().Match(line) is { Success: true } row)
                {
                    var type = row.Groups["type"].Value;
                    types.TryGetValue(type, out var sum);
                    types[type] = (sum.Bytes + Number(row.Groups["bytes"].Value), sum.Count + Number(row.Groups["count"].Value));
                }
            }

            return types.Count > 0 ? new Snapshot(types) : throw new InvalidOperationException($"dotnet-dump's dumpheap printed no type: {report}");
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
            throw new TimeoutException($"dotnet-dump {arguments[0]} did not finish within 10 minutes.");
        }

        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"dotnet-dump {arguments[0]} failed ({process.ExitCode}): {await output}{await errors}");
    }

    [GeneratedRegex(@"^\s*[0-9a-f]{8,}\s+(?<count>[\d,]+)\s+(?<bytes>[\d,]+)\s+(?<type>\S.*?)\s*$")]
    private static partial Regex RowPattern();

    /// <summary>A snapshot: per type, the bytes and objects reachable.</summary>
    internal sealed record Snapshot(Dictionary<string, (long Bytes, long Count)> Types)
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
