using System.Diagnostics;
using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary>
/// <c>fabric drain SILO</c>: asks the silo to hand its partitions to the others, then watches
/// the cluster until it owns none and the others own them all. A silo drains only itself, so the request goes to each
/// <c>--url</c> in turn until the silo itself accepts it (another silo answers 421).
/// </summary>
internal static class DrainCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static CommandSpec Spec { get; } = new(
        "drain",
        "hand a silo's partitions to the other silos and watch until it owns none",
        """
        Usage: fabric drain <silo_id> [--no-wait] [--timeout DURATION] [--json] [--url URL[,URL...]]

        POSTs /v1/cluster/silos/{id}/drain to the silo itself (give its public URL, or several
        URLs: each is tried until the silo answers), then watches GET /v1/cluster until the
        silo owns 0 partitions and every partition has a new owner. A drain needs another
        active silo to take the partitions: when there is none, the silo keeps serving them
        and fabric says so (exit 3).

          --no-wait           return once the drain is accepted
          --timeout DURATION  how long to watch (default 60s; 500ms, 30s, 2m ...); exit 3 when exceeded
          --json              print the API's 202 answer as it is
        Exit codes: 0 drained, 1 API error, 2 unreachable, 3 not drained (no other silo, timeout).
        """,
        ["silo_id"],
        ["--timeout"],
        ["--no-wait"],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var siloId = context.Arguments.Positionals[0];
        var timeout = context.Arguments.Duration("--timeout", TimeSpan.FromHours(1)) ?? TimeSpan.FromSeconds(60);
        var accepted = await RequestAsync(context, siloId);
        if (context.Json)
        {
            await context.Out.WriteLineAsync(accepted.Body);
        }
        else
        {
            await context.Out.WriteLineAsync($"Drain of silo {siloId} accepted by {accepted.Url}.");
        }

        return context.Arguments.Has("--no-wait") ? ExitCodes.Ok : await WatchAsync(context, siloId, timeout);
    }

    /// <summary>Sends the drain to the first reachable URL (any silo relays it to the silo named).</summary>
    private static async Task<ApiResponse> RequestAsync(CommandContext context, string siloId)
    {
        var path = $"/v1/cluster/silos/{FabricClient.Segment(siloId)}/drain";
        var unreachable = new List<string>();
        foreach (var url in context.Client.Urls)
        {
            try
            {
                var response = await context.Client.SendToAsync(url, HttpMethod.Post, path, null, context.CancellationToken);
                _ = response.Read(CliJsonContext.Default.DrainAccepted); // an API error throws with its code
                return response;
            }
            catch (FabricUnreachableException e)
            {
                unreachable.AddRange(e.Failures);
            }
        }

        throw new FabricUnreachableException(unreachable);
    }

    private static async Task<int> WatchAsync(CommandContext context, string siloId, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        (int Owned, int Unowned)? reported = null;
        while (true)
        {
            var cluster = await context.Client.GetAsync("/v1/cluster", CliJsonContext.Default.ClusterInfo, context.CancellationToken);
            var silo = cluster.Silos.FirstOrDefault(candidate => candidate.Id == siloId);
            if (silo is null)
            {
                await context.Out.WriteLineAsync($"Silo {siloId} is no longer in the cluster.");
                return ExitCodes.Ok;
            }

            var unowned = cluster.Partitions.Count(partition => partition.Owner is null);
            if (silo.PartitionsOwned == 0 && unowned == 0)
            {
                await context.Out.WriteLineAsync($"Silo {siloId} is drained: it owns 0 partitions and the other silos own all {Format.Number(cluster.PartitionCount)} ({Format.Decimal(watch.Elapsed.TotalSeconds)} s).");
                return ExitCodes.Ok;
            }

            if (silo.PartitionsOwned > 0 && !cluster.Silos.Any(other => other.Id != siloId && other.TakesPartitions))
            {
                await context.Error.WriteLineAsync(
                    $"fabric: silo {siloId} keeps its {Format.Number(silo.PartitionsOwned)} partitions: no other silo is active to take them. " +
                    "It stays draining and hands them off when another silo joins.");
                return ExitCodes.Incomplete;
            }

            var progress = $"silo {siloId} ({silo.Status}) owns {Format.Number(silo.PartitionsOwned)} partitions, {Format.Number(unowned)} without owner";
            if (reported != (silo.PartitionsOwned, unowned))
            {
                reported = (silo.PartitionsOwned, unowned);
                await context.Error.WriteLineAsync($"fabric: {progress} after {Format.Decimal(watch.Elapsed.TotalSeconds)} s");
            }

            if (watch.Elapsed >= timeout)
            {
                await context.Error.WriteLineAsync($"fabric: timed out after {Format.Decimal(timeout.TotalSeconds)} s: {progress}");
                return ExitCodes.Incomplete;
            }

            await Task.Delay(PollInterval < timeout - watch.Elapsed ? PollInterval : timeout - watch.Elapsed, context.CancellationToken);
        }
    }
}
