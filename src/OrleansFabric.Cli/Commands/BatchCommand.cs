using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric batch ID</c>: a batch's progress, missing slots, validation failures and events.</summary>
internal static class BatchCommand
{
    public static CommandSpec Spec { get; } = new(
        "batch",
        "a batch's status, assigned/expected, missing slots, validation failures and events",
        """
        Usage: fabric batch <batch_id> [--json] [--url URL[,URL...]]

        Shows the essay batch (GET /v1/batches/{id}) and its events (GET /v1/batches/{id}/events).

          --json   print {"batch": ..., "events": [...]} as the API returned them
        """,
        ["batch_id"],
        [],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var path = "/v1/batches/" + FabricClient.Segment(context.Arguments.Positionals[0]);
        var batchResponse = await context.Client.SendAsync(HttpMethod.Get, path, null, context.CancellationToken);
        var batch = batchResponse.Read(CliJsonContext.Default.BatchInfo);
        var eventsResponse = await context.Client.SendAsync(HttpMethod.Get, path + "/events", null, context.CancellationToken);
        var events = eventsResponse.Read(CliJsonContext.Default.IReadOnlyListBatchEventInfo);
        if (context.Json)
        {
            await context.Out.WriteLineAsync($$"""{"batch":{{batchResponse.Body}},"events":{{eventsResponse.Body}}}""");
            return ExitCodes.Ok;
        }

        var output = context.Out;
        var done = batch.AssignedCount + batch.ValidationFailures.Count;
        var percent = batch.ExpectedCount == 0 ? 100 : 100.0 * done / batch.ExpectedCount;
        output.WriteLine($"Batch      {batch.BatchId}");
        output.WriteLine($"Status     {batch.Status}");
        output.WriteLine($"Progress   {Format.Number(batch.AssignedCount)}/{Format.Number(batch.ExpectedCount)} assigned, {Format.Number(batch.ValidationFailures.Count)} validation failure(s) ({Format.Decimal(percent)}% done)");
        output.WriteLine($"Missing    {Format.Number(batch.MissingSlots.Count)} slot(s){(batch.MissingSlots.Count > 0 ? ": " + Format.List(batch.MissingSlots, 10) : "")}");
        output.WriteLine($"Created    {Format.Time(batch.CreatedAt)}");
        output.WriteLine($"Deadline   {Format.Time(batch.Deadline)}");
        output.WriteLine($"Completed  {Format.Time(batch.CompletedAt)}");
        if (batch.Delivery is { } delivery)
        {
            output.WriteLine($"Delivery   {delivery.Describe("event")}");
        }
        if (batch.ValidationFailures.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Validation failures:");
            var failures = new TextTable("FAILURE", "FILE", "ERROR CODE", "MESSAGE");
            foreach (var failure in batch.ValidationFailures)
            {
                failures.Add(failure.FailureId, failure.FileName ?? "-", failure.ErrorCode ?? "-", Format.OneLine(failure.Message));
            }

            failures.WriteTo(output);
        }

        output.WriteLine();
        if (events.Count == 0)
        {
            output.WriteLine("No events yet.");
            return ExitCodes.Ok;
        }

        output.WriteLine("Events:");
        var table = new TextTable("SEQ", "TYPE", "AT");
        foreach (var batchEvent in events)
        {
            table.Add(Format.Number(batchEvent.Seq), batchEvent.Type, Format.Time(batchEvent.At));
        }

        table.WriteTo(output);
        return ExitCodes.Ok;
    }
}
