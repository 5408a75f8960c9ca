using System.Diagnostics;

namespace OrleansFabric.Silo.Tests;

/// <summary>Prometheus' own checker for the text exposition format (Debian's prometheus package; tests/run.sh installs it).</summary>
internal static class Promtool
{
    public static async Task AssertAcceptsAsync(string exposition)
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
        Assert.True(process.ExitCode == 0, $"promtool rejected the exposition: {await errors}{await output}\n{exposition}");
    }
}
