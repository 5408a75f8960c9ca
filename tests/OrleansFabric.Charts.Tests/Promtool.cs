namespace OrleansFabric.Charts.Tests;

/// <summary>Prometheus' promtool, which tests/run.sh installs from Debian's prometheus package.</summary>
internal static class Promtool
{
    public static string Path =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, "promtool"))
            .FirstOrDefault(File.Exists)
        ?? throw new Xunit.Sdk.XunitException("promtool is not on PATH: run the tests with ./tests/run.sh, which installs Debian's prometheus package.");
}
