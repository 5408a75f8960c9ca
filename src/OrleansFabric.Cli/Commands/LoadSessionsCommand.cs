using OrleansFabric.Cli.Load;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric load sessions</c>: the message load generator.</summary>
internal static class LoadSessionsCommand
{
    private static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    public static CommandSpec Spec { get; } = new(
        "load sessions",
        "send messages to many sessions and measure latency (and answers)",
        """
        Usage: fabric load sessions [--sessions N] [--messages N | --duration D]
                                    [--concurrency N | --rate N] [--channel C] [--tenant T]
                                    [--agent A] [--await-answers] [--answer-timeout D]
                                    [--json] [--url URL[,URL...]]

        POSTs /v1/messages round robin to N new sessions (tenant:agent:load-RUN-i:channel) and
        prints requests, throughput, p50/p90/p99/max latency and errors by status and code.

          --sessions N        sessions to write to (default 10)
          --messages N        stop after N messages (default 100 unless --duration is given)
          --duration D        stop sending after D (500ms, 30s, 2m, 1h); with --messages, whichever comes first (at most 24h)
          --concurrency N     closed loop: N workers each send, wait for the 202, send again (default 4)
          --rate N            open loop: N messages per second on a fixed schedule, latency measured
                              from the scheduled time; --concurrency then caps requests in flight (default 1000)
          --channel C         the channel (default whatsapp; the channel picks the session strategy)
          --tenant T          the tenant (default load); --agent A the agent (default loadgen)
          --await-answers     long-poll each session's turns and measure message-to-answer latency;
                              closed-loop workers then wait for each answer before the next message
          --answer-timeout D  how long to wait for the last answers after sending (default 30s)
          --json              print the summary as JSON (for benchmarks)
        Progress goes to stderr: a bar on a terminal, a line every 2 s otherwise. Ctrl+C stops
        the run and prints the partial summary (exit 130). Exit 3 when an accepted message got no answer.
        """,
        [],
        ["--sessions", "--messages", "--duration", "--concurrency", "--rate", "--channel", "--tenant", "--agent", "--answer-timeout"],
        ["--await-answers"],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var arguments = context.Arguments;
        var duration = arguments.Duration("--duration", MaxDuration);
        var rate = arguments.Value("--rate") is null ? (double?)null : arguments.Double("--rate", 0, 0.01, 1_000_000);
        var settings = new SessionsLoadSettings(
            arguments.Int("--sessions", 10, 1, 1_000_000),
            arguments.Long("--messages", duration is null ? 100 : long.MaxValue, 1, 1_000_000_000),
            duration ?? MaxDuration,
            rate,
            arguments.Int("--concurrency", rate is null ? 4 : 1000, 1, 10_000),
            arguments.Text("--channel", "whatsapp"),
            arguments.Text("--tenant", "load"),
            arguments.Text("--agent", "loadgen"),
            arguments.Has("--await-answers"),
            arguments.Duration("--answer-timeout", TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(30));
        await LoadOutput.PreflightAsync(context);

        var load = new SessionsLoad(context.Client, settings);
        LoadSummary summary;
        await using (new ProgressReporter(context.Error, context.Environment.ErrorIsTerminal, "load sessions", load.Progress))
        {
            summary = await load.RunAsync(context.CancellationToken);
        }

        return await LoadOutput.FinishAsync(context, summary);
    }
}
