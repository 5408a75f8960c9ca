namespace OrleansFabric.Charts.Tests;

/// <summary>How a finished command ended and what it printed.</summary>
internal sealed record ProcessResult(string Command, int ExitCode, string Output, string Error)
{
    /// <summary>The command and its output, for assertion messages.</summary>
    public string Describe() => $"`{Command}` exited with {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
