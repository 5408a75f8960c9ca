namespace OrleansFabric.Cli;

/// <summary>One command: its name, usage text, the options it accepts and how it runs.</summary>
/// <param name="Name">The words that select it (<c>cluster</c>, <c>load sessions</c>).</param>
/// <param name="Summary">One line for the general help.</param>
/// <param name="Usage">The full help text of <c>fabric NAME --help</c>.</param>
/// <param name="Positionals">The names of its required positional arguments.</param>
/// <param name="ValueOptions">Options that take a value (besides the global <c>--url</c>).</param>
/// <param name="Flags">Options without a value (besides the global <c>--json</c> and <c>--help</c>).</param>
/// <param name="Run">Runs the command and returns its exit code.</param>
internal sealed record CommandSpec(
    string Name,
    string Summary,
    string Usage,
    IReadOnlyList<string> Positionals,
    IReadOnlyList<string> ValueOptions,
    IReadOnlyList<string> Flags,
    Func<CommandContext, Task<int>> Run);
