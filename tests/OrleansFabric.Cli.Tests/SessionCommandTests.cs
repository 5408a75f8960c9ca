using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class SessionCommandTests
{
    private const string Key = "t1:support:+46700000001:load";

    [Fact]
    public async Task The_session_command_shows_the_state_and_the_turn_after_a_message()
    {
        await using var silo = await CliSilo.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
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
        var turns = await http.GetFromJsonAsync<JsonElement>($"/v1/sessions/{Uri.EscapeDataString(Key)}/turns?wait_seconds=10");
        Assert.Equal(1, turns.GetArrayLength());

        var result = (await silo.RunAsync("session", Key)).Succeeded();

        Assert.Contains($"Session    {Key}", result.Out, StringComparison.Ordinal);
        Assert.Contains("Strategy   queue", result.Out, StringComparison.Ordinal);
        Assert.Contains("Status     idle", result.Out, StringComparison.Ordinal);
        Assert.Contains("Pending    0 message(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("Turns      1 completed", result.Out, StringComparison.Ordinal);
        Assert.Contains("Delivery   every turn delivered", result.Out, StringComparison.Ordinal);
        var turn = result.Lines.Single(line => line.StartsWith("1 ", StringComparison.Ordinal));
        Assert.Contains("completed", turn, StringComparison.Ordinal);
        Assert.Contains("wamid.1", turn, StringComparison.Ordinal);
        Assert.EndsWith("echo: hi there", turn, StringComparison.Ordinal);
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
}
