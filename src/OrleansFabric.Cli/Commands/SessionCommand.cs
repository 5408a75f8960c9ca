using OrleansFabric.Cli.Api;
using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Commands;

/// <summary><c>fabric session KEY</c>: a session's state and its recent turns.</summary>
internal static class SessionCommand
{
    public static CommandSpec Spec { get; } = new(
        "session",
        "a session's strategy, status, pending messages, delivery and recent turns",
        """
        Usage: fabric session <session_key> [--turns N] [--json] [--url URL[,URL...]]

        Shows the session tenant:agent:interlocutor:channel (GET /v1/sessions/{key}) and its
        most recent turns (GET /v1/sessions/{key}/turns).

          --turns N   how many recent turns to show (default 10, 1-200)
          --json      print {"session": ..., "turns": [...]} as the API returned them
        """,
        ["session_key"],
        ["--turns"],
        [],
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context)
    {
        var key = context.Arguments.Positionals[0];
        var shown = context.Arguments.Int("--turns", 10, 1, 200);
        var path = "/v1/sessions/" + FabricClient.Segment(key);
        var sessionResponse = await context.Client.SendAsync(HttpMethod.Get, path, null, context.CancellationToken);
        var session = sessionResponse.Read(CliJsonContext.Default.SessionInfo);
        var turnsResponse = await context.Client.SendAsync(HttpMethod.Get, path + "/turns", null, context.CancellationToken);
        var turns = turnsResponse.Read(CliJsonContext.Default.IReadOnlyListTurnInfo);
        if (context.Json)
        {
            await context.Out.WriteLineAsync($$"""{"session":{{sessionResponse.Body}},"turns":{{turnsResponse.Body}}}""");
            return ExitCodes.Ok;
        }

        var output = context.Out;
        output.WriteLine($"Session    {session.SessionKey}");
        output.WriteLine($"Strategy   {session.Strategy}");
        output.WriteLine($"Status     {session.Status}");
        output.WriteLine($"Pending    {Format.Number(session.PendingMessageIds.Count)} message(s){(session.PendingMessageIds.Count > 0 ? ": " + Format.List(session.PendingMessageIds) : "")}");
        output.WriteLine($"Turns      {Format.Number(session.TurnsCompleted)} completed");
        if (session.Delivery is { } delivery)
        {
            output.WriteLine($"Delivery   {delivery.Describe("turn")}");
        }

        output.WriteLine();
        var recent = turns.TakeLast(shown).ToList();
        if (recent.Count == 0)
        {
            output.WriteLine("No turns yet.");
            return ExitCodes.Ok;
        }

        output.WriteLine($"Recent turns ({Format.Number(recent.Count)} of {Format.Number(turns.Count)} kept):");
        var table = new TextTable("SEQ", "STATUS", "MESSAGES", "COMPLETED", "TOOK", "RESPONSE");
        foreach (var turn in recent)
        {
            table.Add(
                Format.Number(turn.Seq),
                turn.Status,
                Format.List(turn.MessageIds, 3),
                Format.Time(turn.CompletedAt),
                Format.Age(turn.CompletedAt - turn.StartedAt),
                turn.Error is { } error ? "error: " + Format.OneLine(error) : Format.OneLine(turn.Response?.Text));
        }

        table.WriteTo(output);
        return ExitCodes.Ok;
    }
}
