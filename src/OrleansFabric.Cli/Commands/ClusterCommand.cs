using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric cluster</c>: silos and partition ownership.</summary>
internal static class ClusterCommand
{
    public static CommandSpec Spec { get; } = new(
        "cluster",
        "silos, their partitions and activations, and who owns which partition",
        """
        Usage: fabric cluster [--json] [--url URL[,URL...]]

        Shows every silo (id, endpoint, status, heartbeat age, partitions owned, activations)
        and which partitions each owner holds, from GET /v1/cluster.

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
        var owned = cluster.Partitions.Count(partition => partition.Owner is not null);
        var active = cluster.Silos.Count(silo => silo.Status == "active");
        output.WriteLine($"Cluster: {Format.Number(cluster.Silos.Count)} silo(s), {Format.Number(active)} active; {Format.Number(cluster.PartitionCount)} partitions, {Format.Number(owned)} owned, {Format.Number(cluster.PartitionCount - owned)} without owner");
        output.WriteLine();

        var silos = new TextTable("SILO", "ENDPOINT", "STATUS", "HEARTBEAT", "PARTITIONS", "ACTIVATIONS");
        foreach (var silo in cluster.Silos)
        {
            silos.Add(silo.Id, silo.Endpoint, silo.Status, Format.Age(now - silo.HeartbeatAt) + " ago", Format.Number(silo.PartitionsOwned), Format.Number(silo.Activations));
        }

        silos.WriteTo(output);
        output.WriteLine();

        var owners = new TextTable("OWNER", "COUNT", "EPOCHS", "PARTITIONS");
        foreach (var group in cluster.Partitions.GroupBy(partition => partition.Owner).OrderBy(group => group.Key is null).ThenBy(group => group.Key, StringComparer.Ordinal))
        {
            var epochs = group.Select(partition => partition.Epoch).ToList();
            owners.Add(
                group.Key ?? "(none)",
                Format.Number(group.Count()),
                epochs.Min() == epochs.Max() ? Format.Number(epochs.Min()) : $"{Format.Number(epochs.Min())}-{Format.Number(epochs.Max())}",
                Format.Ranges(group.Select(partition => partition.Partition)));
        }

        owners.WriteTo(output);
    }
}
