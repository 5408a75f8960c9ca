using System.Diagnostics;
using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary>
/// <c>fabric drain SILO</c>: asks the cluster to drain a silo (it deactivates its grains, leaves
/// the membership gracefully and exits), then watches <c>GET /v1/cluster</c> until the silo is
/// dead or gone from the list. Any silo takes the request and relays it to the silo named.
/// </summary>
internal static class DrainCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static CommandSpec Spec { get; } = new(
        "drain",
        "make a silo deactivate its grains and leave the cluster, and watch until it has left",
        """
        Usage: fabric drain <silo_id> [--no-wait] [--timeout DURATION] [--json] [--url URL[,URL...]]

        POSTs /v1/cluster/silos/{id}/drain (any silo relays it to the silo named; the first
        --url that answers takes it), then watches GET /v1/cluster until the silo is dead or
        gone from the list. The silo deactivates its grains (their next calls activate them on
        the other silos), leaves the cluster gracefully and its process exits 0. Give the URL
        of another silo too (--url A,B): the drained silo stops answering. The silo id is the
        one `fabric cluster` shows (ip:port@generation). A lone silo refuses: its grains would
        have nowhere to go (exit 3).

          --no-wait           return once the drain is accepted
          --timeout DURATION  how long to watch (default 60s; 500ms, 30s, 2m ...); exit 3 when exceeded
          --json              print the API's 202 answer as it is (progress goes to stderr)
        Exit codes: 0 drained, 1 API error, 2 unreachable, 3 not drained (last silo, timeout).
        """,
        ["silo_id"],
        ["--timeout"],
        ["--no-wait"],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var siloId = context.Arguments.Positionals[0];
        var timeout = context.Arguments.Duration("--timeout", TimeSpan.FromHours(1)) ?? TimeSpan.FromSeconds(60);
        var accepted = await context.Client.SendAsync(HttpMethod.Post, $"/v1/cluster/silos/{FabricClient.Segment(siloId)}/drain", null, context.CancellationToken);
        if (accepted.Status == 409 && accepted.Code == "last_silo")
        {
            await context.Error.WriteLineAsync(
                $"fabric: silo {siloId} was not drained: it is the only active silo, so its grains would have nowhere to go. " +
                "Start another silo first.");
            return ExitCodes.Incomplete;
        }

        _ = accepted.Read(CliJsonContext.Default.DrainAccepted); // any other API error throws with its code
        var report = context.Json ? context.Error : context.Out;
        if (context.Json)
        {
            await context.Out.WriteLineAsync(accepted.Body);
        }

        await report.WriteLineAsync($"Drain of silo {siloId} accepted by {accepted.Url}.");
        return context.Arguments.Has("--no-wait") ? ExitCodes.Ok : await WatchAsync(context, report, siloId, timeout);
    }

    /// <summary>Polls the cluster until the silo is dead or gone; the answers of the silo that leaves may fail meanwhile.</summary>
    private static async Task<int> WatchAsync(CommandContext context, TextWriter report, string siloId, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        string? reported = null;
        while (true)
        {
            string progress;
            try
            {
                var response = await context.Client.SendAsync(HttpMethod.Get, "/v1/cluster", null, context.CancellationToken);
                if (response.Status >= 500)
                {
                    // A silo leaving can make the answering silo fail a request for a moment: keep watching.
                    throw new ApiProblemException(response);
                }

                var cluster = response.Read(CliJsonContext.Default.ClusterInfo); // 401, 403 ...: not worth waiting for
                var silo = cluster.Silos.FirstOrDefault(candidate => candidate.Id == siloId);
                if (silo is null || silo.Status == "dead")
                {
                    var how = silo is null ? "is no longer in the cluster" : "is dead in the membership";
                    await report.WriteLineAsync($"Silo {siloId} has left the cluster: it {how} ({Format.Decimal(watch.Elapsed.TotalSeconds)} s).");
                    return ExitCodes.Ok;
                }

                var others = cluster.Silos.Count(other => other.Id != siloId && other.Status == "active");
                progress = $"silo {siloId} is {silo.Status} with {Format.Number(silo.Activations)} activation(s); {Format.Number(others)} other active silo(s)";
            }
            catch (ApiProblemException e) when (e.IsServerError)
            {
                progress = "the cluster answered " + e.Message;
            }
            catch (FabricUnreachableException e)
            {
                foreach (var failure in e.Failures)
                {
                    await context.Error.WriteLineAsync("fabric: " + failure);
                }

                await context.Error.WriteLineAsync(
                    $"fabric: the drain of silo {siloId} was accepted, but no --url answers any more to confirm that it left; give the URL of another silo as well.");
                return ExitCodes.Unreachable;
            }

            if (reported != progress)
            {
                reported = progress;
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
