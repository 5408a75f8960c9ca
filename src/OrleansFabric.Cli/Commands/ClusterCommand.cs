using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric cluster</c>: the silos of Orleans' membership.</summary>
internal static class ClusterCommand
{
    public static CommandSpec Spec { get; } = new(
        "cluster",
        "silos, their status, heartbeat ages and activations",
        """
        Usage: fabric cluster [--json] [--url URL[,URL...]]

        Shows every silo of the cluster's membership (id, silo address, gateway, status,
        heartbeat age, activations) from GET /v1/cluster. Dead silos stay listed until
        Orleans' defunct-silo clean-up removes them.

          --json   print the API's JSON as it is
        """,
        [],
        [],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var response = await context.Client.SendAsync(HttpMethod.Get, "/v1/cluster", null, context.CancellationToken);
        var cluster = response.Read(CliJsonContext.Default.ClusterInfo);
        if (context.Json)
        {
            await context.Out.WriteLineAsync(response.Body);
            return ExitCodes.Ok;
        }

        Write(context.Out, cluster, DateTimeOffset.UtcNow);
        return ExitCodes.Ok;
    }

    public static void Write(TextWriter output, ClusterInfo cluster, DateTimeOffset now)
    {
        var active = cluster.Silos.Count(silo => silo.Status == "active");
        var activations = cluster.Silos.Sum(silo => (long)silo.Activations);
        output.WriteLine($"Cluster {cluster.ClusterId}: {Format.Number(cluster.Silos.Count)} silo(s), {Format.Number(active)} active; {Format.Number(activations)} activation(s)");
        output.WriteLine();

        var silos = new TextTable("SILO", "ADDRESS", "GATEWAY", "STATUS", "HEARTBEAT", "ACTIVATIONS");
        foreach (var silo in cluster.Silos)
        {
            silos.Add(silo.Id, silo.Address, silo.Gateway ?? "-", silo.Status, Format.Age(now - silo.HeartbeatAt) + " ago", Format.Number(silo.Activations));
        }

        silos.WriteTo(output);
    }
}
