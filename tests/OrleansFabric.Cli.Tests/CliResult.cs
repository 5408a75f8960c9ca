namespace OrleansFabric.Cli.Tests;

/// <summary>What a run of the fabric command gave: exit code, stdout and stderr.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public static async Task<CliResult> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await FabricCommand.RunAsync(args, output, error, environment, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Asserts exit code 0, showing both streams otherwise.</summary>
    public CliResult Succeeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Out}{Environment.NewLine}stderr:{Environment.NewLine}{Error}");
        return this;
    }

    /// <summary>The stdout lines.</summary>
    public IReadOnlyList<string> Lines => Out.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
