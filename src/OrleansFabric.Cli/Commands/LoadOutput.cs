using System.Text.Json;
using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Load;

namespace OrleansFabric.Cli.Commands;

/// <summary>How both load commands finish: a preflight check, the summary on stdout, the exit code.</summary>
internal static class LoadOutput
{
    /// <summary>Reads the cluster once, so that an unreachable cluster or a wrong key stops the run before it starts.</summary>
    public static Task PreflightAsync(CommandContext context) =>
        context.Client.GetAsync("/v1/cluster", CliJsonContext.Default.ClusterInfo, context.CancellationToken);

    public static async Task<int> FinishAsync(CommandContext context, LoadSummary summary)
    {
        if (context.Json)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(summary, CliJsonContext.Default.LoadSummary));
        }
        else
        {
            SummaryWriter.Write(context.Out, summary);
        }

        return !summary.Completed ? ExitCodes.Interrupted
            : summary.InvariantViolations.Count > 0 ? ExitCodes.Incomplete
            : ExitCodes.Ok;
    }
}
