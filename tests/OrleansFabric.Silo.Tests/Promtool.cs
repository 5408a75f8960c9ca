using System.Diagnostics;

namespace OrleansFabric.Silo.Tests;

/// <summary>Prometheus' own checker for the text exposition format (Debian's prometheus package; tests/run.sh installs it).</summary>
internal static class Promtool
{
    /// <summary>promtool's exit code when the exposition parses but has lint problems.</summary>
    private const int LintProblemsExitCode = 3;

    /// <summary>
    /// Asserts promtool parses <paramref name="exposition"/> and finds no lint problem, except on
    /// metrics <paramref name="lintTolerated"/> accepts (series of libraries the silo does not own,
    /// such as Orleans' own, which have no help texts and count in milliseconds).
    /// </summary>
    public static async Task AssertAcceptsAsync(string exposition, Func<string, bool>? lintTolerated = null)
    {
        var promtool = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "promtool"))
            .FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is not on PATH: run the tests with ./tests/run.sh, which installs Debian's prometheus package (apt-get install prometheus).");

        using var process = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), timeout.Token);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        var report = await errors + await output;
        if (process.ExitCode == LintProblemsExitCode && lintTolerated is not null)
        {
            // Each lint problem is one line: the metric's name, then the problem.
            var untolerated = report.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => !lintTolerated(line.Split(' ')[0]))
                .ToList();
            Assert.True(untolerated.Count == 0, $"promtool found lint problems: {string.Join('\n', untolerated)}\n{exposition}");
            return;
        }

        Assert.True(process.ExitCode == 0, $"promtool rejected the exposition (exit code {process.ExitCode}): {report}\n{exposition}");
    }
}
