using OrleansFabric.Cli.Api;

namespace OrleansFabric.Cli;

/// <summary>What a running command works with.</summary>
internal sealed record CommandContext(
    ParsedArguments Arguments,
    FabricClient Client,
    TextWriter Out,
    TextWriter Error,
    CliEnvironment Environment,
    CancellationToken CancellationToken)
{
    /// <summary>True with <c>--json</c>: raw or machine-readable output on stdout.</summary>
    public bool Json => Arguments.Has("--json");
}
