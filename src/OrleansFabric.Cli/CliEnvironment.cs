namespace OrleansFabric.Cli;

/// <summary>What the command takes from its surroundings rather than its arguments.</summary>
/// <param name="Url">The value of <c>FABRIC_URL</c>: the default for <c>--url</c>.</param>
/// <param name="ApiKey">The value of <c>FABRIC_API_KEY</c>, sent as <c>Authorization: Bearer</c>.</param>
/// <param name="ErrorIsTerminal">True when standard error is a terminal: live progress bars instead of periodic lines.</param>
public sealed record CliEnvironment(string? Url, string? ApiKey, bool ErrorIsTerminal)
{
    /// <summary>The environment of this process.</summary>
    public static CliEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable("FABRIC_URL"),
        Environment.GetEnvironmentVariable("FABRIC_API_KEY"),
        !Console.IsErrorRedirected);
}
