using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Commands;

namespace OrleansFabric.Cli;

/// <summary>
/// The <c>fabric</c> command line: picks the command, parses its arguments and runs it against
/// the cluster's public HTTP API, turning failures into one clear line on stderr and an exit
/// code (0 ok, 1 API error, 2 cluster unreachable, 3 goal not met, 64 usage, 130 interrupted).
/// </summary>
public static class FabricCommand
{
    private const string DefaultUrl = "http://localhost:8080";

    private static readonly IReadOnlyList<CommandSpec> Commands =
    [
        ClusterCommand.Spec,
        SessionCommand.Spec,
        BatchCommand.Spec,
        DrainCommand.Spec,
        LoadSessionsCommand.Spec,
        LoadBatchesCommand.Spec,
    ];

    /// <summary>Runs <c>fabric</c> with <paramref name="args"/> and returns its exit code.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors and progress go.</param>
    /// <param name="environment">The environment variables and terminal the command sees.</param>
    /// <param name="cancellationToken">Ctrl+C: stops the command, which prints what it has.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CliEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await (args.Length == 0 ? stderr : stdout).WriteAsync(GeneralUsage());
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        if (args[0] == "load" && (args.Length == 1 || args[1] is "--help" or "-h"))
        {
            // "load" alone names two commands: show both.
            var help = args.Length > 1;
            foreach (var load in Commands.Where(command => command.Name.StartsWith("load ", StringComparison.Ordinal)))
            {
                await (help ? stdout : stderr).WriteAsync(load.Usage + Environment.NewLine);
            }

            return help ? ExitCodes.Ok : ExitCodes.Usage;
        }

        var spec = Find(args);
        if (spec is null)
        {
            var name = args[0] == "load" && args.Length > 1 ? $"load {args[1]}" : args[0];
            await stderr.WriteLineAsync($"fabric: unknown command '{name}'");
            await stderr.WriteAsync(GeneralUsage());
            return ExitCodes.Usage;
        }

        var words = spec.Name.Split(' ').Length;
        try
        {
            var arguments = ParsedArguments.Parse(args.Skip(words), spec.ValueOptions, spec.Flags);
            if (arguments.Has("--help"))
            {
                await stdout.WriteAsync(spec.Usage);
                return ExitCodes.Ok;
            }

            if (arguments.Positionals.Count != spec.Positionals.Count)
            {
                throw new UsageException(arguments.Positionals.Count < spec.Positionals.Count
                    ? $"missing <{spec.Positionals[arguments.Positionals.Count]}>"
                    : $"unexpected argument '{arguments.Positionals[spec.Positionals.Count]}'");
            }

            var urls = FabricClient.ParseUrls(arguments.Value("--url") ?? environment.Url ?? DefaultUrl);
            using var client = new FabricClient(urls, environment.ApiKey);
            return await spec.Run(new CommandContext(arguments, client, stdout, stderr, environment, cancellationToken));
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"fabric {spec.Name}: {e.Message}");
            await stderr.WriteLineAsync($"Run 'fabric {spec.Name} --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (FabricUnreachableException e)
        {
            foreach (var failure in e.Failures)
            {
                await stderr.WriteLineAsync("fabric: " + failure);
            }

            return ExitCodes.Unreachable;
        }
        catch (ApiProblemException e)
        {
            await stderr.WriteLineAsync("fabric: " + e.Message);
            return ExitCodes.ApiError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("fabric: interrupted");
            return ExitCodes.Interrupted;
        }
    }

    private static CommandSpec? Find(string[] args) =>
        Commands.FirstOrDefault(spec => spec.Name.Split(' ').SequenceEqual(args.Take(spec.Name.Split(' ').Length), StringComparer.Ordinal));

    private static string GeneralUsage()
    {
        var width = Commands.Max(spec => spec.Name.Length);
        var lines = string.Join(Environment.NewLine, Commands.Select(spec => $"  {spec.Name.PadRight(width)}  {spec.Summary}"));
        return $"""
            Usage: fabric <command> [arguments] [--url URL[,URL...]] [--json] [--help]

            Commands:
            {lines}

            Global options:
              --url URL[,URL...]  the silos' public HTTP address(es), tried in turn when one is unreachable
                                  (default: $FABRIC_URL, else {DefaultUrl})
              --json              machine-readable output
              --help              help for a command: fabric <command> --help
            Environment: FABRIC_URL, FABRIC_API_KEY (sent as Authorization: Bearer).

            """;
    }
}
