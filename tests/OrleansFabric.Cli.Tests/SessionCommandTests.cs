using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cli.Tests;

public sealed class SessionCommandTests
{
    private const string Key = "t1:support:+46700000001:load";

    [Fact]
    public async Task The_session_command_shows_the_state_and_the_turn_after_a_message()
    {
        await using var silo = await CliSilo.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
        await PostMessageAsync(http);
        var turns = await http.GetFromJsonAsync<JsonElement>($"/v1/sessions/{Uri.EscapeDataString(Key)}/turns?wait_seconds=10");
        Assert.Equal(1, turns.GetArrayLength());

        var result = (await silo.RunAsync("session", Key)).Succeeded();

        Assert.Contains($"Session    {Key}", result.Out, StringComparison.Ordinal);
        Assert.Contains("Strategy   queue", result.Out, StringComparison.Ordinal);
        Assert.Contains("Status     idle", result.Out, StringComparison.Ordinal);
        Assert.Contains("Pending    0 message(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("Turns      1 completed", result.Out, StringComparison.Ordinal);
        Assert.Contains("Delivery   no webhook configured (answers by long-poll only)", result.Out, StringComparison.Ordinal);
        var turn = result.Lines.Single(line => line.StartsWith("1 ", StringComparison.Ordinal));
        Assert.Contains("completed", turn, StringComparison.Ordinal);
        Assert.Contains("wamid.1", turn, StringComparison.Ordinal);
        Assert.EndsWith("echo: hi there", turn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_session_command_shows_a_failing_webhook_delivery_with_its_last_error()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            receiver.Statuses.Enqueue(503);
        }

        await using var silo = await CliSilo.StartAsync($"--Fabric:Sessions:Delivery:WebhookUrl={receiver.Url}", "--Fabric:Sessions:Delivery:InitialBackoffMs=60000");
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
        await PostMessageAsync(http);
        Assert.Equal(503, (await receiver.NextAsync()).Answered);
        var path = $"/v1/sessions/{Uri.EscapeDataString(Key)}";
        await Eventually.PollAsync(async () => (await http.GetFromJsonAsync<JsonElement>(path)).GetProperty("delivery").GetProperty("attempts").GetInt32() == 1, "the failed attempt recorded", TimeSpan.FromSeconds(10));

        var result = (await silo.RunAsync("session", Key)).Succeeded();

        var line = result.Lines.Single(l => l.StartsWith("Delivery", StringComparison.Ordinal));
        Assert.StartsWith("Delivery   1 turn(s) not yet delivered, next seq 1, 1 failed attempt(s), last: ", line, StringComparison.Ordinal);
        Assert.Contains("503", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_session_is_an_api_error_with_its_code_and_exit_code_1()
    {
        await using var silo = await CliSilo.StartAsync();

        var result = await silo.RunAsync("session", "t1:support:nobody:load");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("fabric: session_not_found (404): ", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    /// <summary>Posts the message <c>wamid.1</c> ("hi there") to the test session; asserts the 202.</summary>
    private static async Task PostMessageAsync(HttpClient http)
    {
        using var posted = await http.PostAsJsonAsync("/v1/messages", new Dictionary<string, string>
        {
            ["message_id"] = "wamid.1",
            ["tenant_id"] = "t1",
            ["agent_id"] = "support",
            ["interlocutor_id"] = "+46700000001",
            ["channel"] = CliSilo.QueueChannel,
            ["text"] = "hi there",
        });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
    }
}
