namespace OrleansFabric.Cli;

/// <summary>The exit codes of <c>fabric</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The API answered with an error (problem+json).</summary>
    public const int ApiError = 1;

    /// <summary>No URL of the cluster could be reached.</summary>
    public const int Unreachable = 2;

    /// <summary>The command ran but its goal was not met: a drain that did not finish, a load run that broke an invariant.</summary>
    public const int Incomplete = 3;

    /// <summary>Bad arguments (sysexits' EX_USAGE).</summary>
    public const int Usage = 64;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
