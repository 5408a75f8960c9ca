using OrleansFabric.Cli.Load;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric load batches</c>: the batch load generator and invariant checker.</summary>
internal static class LoadBatchesCommand
{
    public static CommandSpec Spec { get; } = new(
        "load batches",
        "register batches, provision content concurrently with duplicates, check the invariants",
        """
        Usage: fabric load batches [--batches N] [--slots N] [--duplicates F] [--extra N]
                                   [--concurrency N] [--duration D] [--json] [--url URL[,URL...]]

        PUTs N new batches of S slots, POSTs each one's content concurrently in random order
        (resending a fraction of it), then reads every batch and checks: no content in two
        slots, no slot filled twice, every answer for a content names the batch's slot for it,
        every batch full and completed, and exactly the content beyond the slots refused.

          --batches N      batches to register (default 10)
          --slots N        slots per batch (default 20, 1-10000)
          --duplicates F   resends per batch as a fraction of its distinct content (default 0.2)
          --extra N        distinct content per batch beyond its slots, to be refused with
                           409 no_slot_available (default 0)
          --concurrency N  requests in flight (default 8)
          --duration D     stop sending after D (default and at most 1h)
          --json           print the summary as JSON (for benchmarks)
        Exit 3 when an invariant is violated; Ctrl+C prints the partial summary (exit 130).
        """,
        [],
        ["--batches", "--slots", "--duplicates", "--extra", "--concurrency", "--duration"],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var arguments = context.Arguments;
        var settings = new BatchesLoadSettings(
            arguments.Int("--batches", 10, 1, 100_000),
            arguments.Int("--slots", 20, 1, 10_000),
            arguments.Double("--duplicates", 0.2, 0, 10),
            arguments.Int("--extra", 0, 0, 10_000),
            arguments.Int("--concurrency", 8, 1, 10_000),
            arguments.Duration("--duration", TimeSpan.FromHours(1)) ?? TimeSpan.FromHours(1));
        await LoadOutput.PreflightAsync(context);

        var load = new BatchesLoad(context.Client, settings);
        LoadSummary summary;
        await using (new ProgressReporter(context.Error, context.Environment.ErrorIsTerminal, "load batches", load.Progress))
        {
            summary = await load.RunAsync(context.CancellationToken);
        }

        return await LoadOutput.FinishAsync(context, summary);
    }
}
