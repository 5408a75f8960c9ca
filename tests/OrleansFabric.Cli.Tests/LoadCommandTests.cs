using System.Text.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class LoadCommandTests
{
    [Fact]
    public async Task Load_sessions_with_a_message_count_sends_exactly_that_many_without_errors_and_every_session_is_answered()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync(
            "load", "sessions", "--sessions", "8", "--messages", "120", "--concurrency", "6",
            "--channel", CliSilo.QueueChannel, "--await-answers", "--json")).Succeeded();

        using var summary = JsonDocument.Parse(result.Out);
        var root = summary.RootElement;
        Assert.True(root.GetProperty("completed").GetBoolean());
        Assert.Equal(120, root.GetProperty("requests").GetInt64());
        Assert.Equal(0, root.GetProperty("errors_total").GetInt64());
        Assert.Empty(root.GetProperty("errors").EnumerateObject());
        var messages = root.GetProperty("operations")[0];
        Assert.Equal("messages", messages.GetProperty("name").GetString());
        Assert.Equal(120, messages.GetProperty("ok").GetInt64());
        Assert.True(messages.GetProperty("latency_ms").GetProperty("max").GetDouble() >= messages.GetProperty("latency_ms").GetProperty("p50").GetDouble());
        var answers = root.GetProperty("operations")[1];
        Assert.Equal("answers", answers.GetProperty("name").GetString());
        Assert.Equal(120, answers.GetProperty("ok").GetInt64());
        var sessions = root.GetProperty("sessions");
        Assert.Equal(120, sessions.GetProperty("accepted").GetInt64());
        Assert.Equal(8, sessions.GetProperty("sessions_answered").GetInt32());
        Assert.Equal(120, sessions.GetProperty("answered").GetInt64());
        Assert.Equal(0, sessions.GetProperty("unanswered").GetInt64());
        Assert.Empty(root.GetProperty("invariant_violations").EnumerateArray());
    }

    [Fact]
    public async Task Load_sessions_at_a_rate_prints_a_summary_table_and_progress_lines_on_a_redirected_stderr()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync("load", "sessions", "--sessions", "5", "--messages", "50", "--rate", "200", "--channel", CliSilo.QueueChannel)).Succeeded();

        Assert.Contains("fabric load sessions: completed in ", result.Out, StringComparison.Ordinal);
        var header = result.Lines.Single(line => line.StartsWith("OPERATION", StringComparison.Ordinal));
        Assert.Equal(["OPERATION", "REQUESTS", "OK", "RATE/S", "P50", "MS", "P90", "MS", "P99", "MS", "MAX", "MS"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = result.Lines.Single(line => line.StartsWith("messages ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["50", "50"], row[1..3]);
        Assert.Contains("Errors: none", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_batches_with_duplicates_and_excess_content_assigns_every_slot_once_and_counts_the_refusals()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = (await silo.RunAsync(
            "load", "batches", "--batches", "6", "--slots", "15", "--duplicates", "0.4", "--extra", "3", "--concurrency", "8", "--json")).Succeeded();

        using var summary = JsonDocument.Parse(result.Out);
        var root = summary.RootElement;
        var batches = root.GetProperty("batches");
        Assert.Equal(6, batches.GetProperty("batches").GetInt32());
        Assert.Equal(6 * 15, batches.GetProperty("assigned_slots").GetInt64());
        Assert.Equal(6 * (18 + 7), batches.GetProperty("content_sent").GetInt64());
        Assert.Equal(6 * 7, batches.GetProperty("duplicates_sent").GetInt64());
        Assert.Equal(root.GetProperty("requests").GetInt64(), batches.GetProperty("content_sent").GetInt64());
        var refusals = batches.GetProperty("refusals").GetInt64();
        Assert.InRange(refusals, 6 * 3, 6 * (3 + 7));
        Assert.Equal(6 * (18 + 7) - (6 * 15) - refusals, batches.GetProperty("already_assigned").GetInt64());
        Assert.Equal(0, root.GetProperty("errors_total").GetInt64());
        Assert.Empty(root.GetProperty("invariant_violations").EnumerateArray());
    }

    [Fact]
    public async Task Ctrl_C_stops_a_load_run_at_its_first_progress_line_and_prints_the_partial_summary_with_exit_code_130()
    {
        await using var silo = await CliSilo.StartAsync();
        using var interrupt = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new SignallingWriter(interrupt.Cancel);

        var exitCode = await FabricCommand.RunAsync(
            ["load", "sessions", "--duration", "60s", "--channel", CliSilo.QueueChannel, "--await-answers", "--json", "--url", silo.Url],
            output,
            error,
            new CliEnvironment(null, null, ErrorIsTerminal: false),
            interrupt.Token);

        Assert.Equal(130, exitCode);
        Assert.Contains("fabric: load sessions: ", error.ToString(), StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(output.ToString());
        Assert.False(summary.RootElement.GetProperty("completed").GetBoolean());
        Assert.InRange(summary.RootElement.GetProperty("elapsed_seconds").GetDouble(), 1.5, 30);
        Assert.True(summary.RootElement.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(0, summary.RootElement.GetProperty("errors_total").GetInt64());
    }
}
