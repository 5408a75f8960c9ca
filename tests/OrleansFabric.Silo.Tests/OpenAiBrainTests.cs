using System.Net;
using OrleansFabric.Sessions;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

public sealed class OpenAiBrainTests
{
    private static readonly SessionKey s_session = new("t1", "support", "+46700000001", "whatsapp");

    private static BrainInput Input(params string[] texts) => new(
        s_session,
        [.. texts.Select((text, i) => new IncomingMessage($"m{i}", text, null, null))],
        [new Exchange(["my name is Ada"], "hello Ada")],
        []);

    private static OpenAiOptions Options(FakeChatCompletions fake, int timeoutSeconds = 30) => new()
    {
        BaseUrl = fake.BaseUrl,
        Model = "gpt-test",
        SystemPrompt = "You are a support agent.",
        ApiKeyVariable = "FABRIC_TEST_OPENAI_KEY_" + Guid.NewGuid().ToString("N"),
        TimeoutSeconds = timeoutSeconds,
    };

    [Fact]
    public async Task The_brain_sends_the_conversation_as_chat_messages_with_the_key_and_returns_the_choice()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        var options = Options(fake);
        Environment.SetEnvironmentVariable(options.ApiKeyVariable, "sk-test");
        using var brain = new OpenAiBrain(options);
        using var turn = new TurnController();

        var reply = brain.RespondAsync(Input("what is my name", "and my age?"), turn, CancellationToken.None);
        var request = await fake.NextRequestAsync();
        request.Reply("Ada, and I do not know.");

        Assert.Equal("Ada, and I do not know.", (await reply).Text);
        Assert.Equal("gpt-test", request.Body.GetProperty("model").GetString());
        Assert.Equal("Bearer sk-test", request.Authorization);
        Assert.Equal(
            [("system", "You are a support agent."), ("user", "my name is Ada"), ("assistant", "hello Ada"), ("user", "what is my name\nand my age?")],
            request.Messages);
    }

    [Fact]
    public async Task Without_the_key_variable_no_authorization_is_sent()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        using var brain = new OpenAiBrain(Options(fake));
        using var turn = new TurnController();

        var reply = brain.RespondAsync(Input("hi"), turn, CancellationToken.None);
        var request = await fake.NextRequestAsync();
        request.Reply("hello");

        Assert.Equal("hello", (await reply).Text);
        Assert.Equal(string.Empty, request.Authorization);
    }

    [Fact]
    public async Task Cancelling_the_turn_aborts_the_http_request()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        using var brain = new OpenAiBrain(Options(fake));
        using var turn = new TurnController();
        using var superseded = new CancellationTokenSource();

        var reply = brain.RespondAsync(Input("hi"), turn, superseded.Token);
        var request = await fake.NextRequestAsync();
        await superseded.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply);
        await request.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_error_status_fails_the_attempt_naming_the_status()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        using var brain = new OpenAiBrain(Options(fake));
        using var turn = new TurnController();

        var reply = brain.RespondAsync(Input("hi"), turn, CancellationToken.None);
        (await fake.NextRequestAsync()).Answer.SetResult((503, """{"error":{"message":"overloaded"}}"""));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => reply);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.StatusCode);
        Assert.Contains("overloaded", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_without_choices_fails_the_attempt()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        using var brain = new OpenAiBrain(Options(fake));
        using var turn = new TurnController();

        var reply = brain.RespondAsync(Input("hi"), turn, CancellationToken.None);
        (await fake.NextRequestAsync()).Answer.SetResult((200, """{"choices":[]}"""));

        await Assert.ThrowsAsync<InvalidOperationException>(() => reply);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_in_time_fails_the_attempt_and_the_request_is_aborted()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        using var brain = new OpenAiBrain(Options(fake, timeoutSeconds: 1));
        using var turn = new TurnController();

        var reply = brain.RespondAsync(Input("hi"), turn, CancellationToken.None);
        var request = await fake.NextRequestAsync();

        await Assert.ThrowsAsync<TimeoutException>(() => reply);
        await request.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_silo_configured_with_the_openai_brain_answers_messages_through_the_endpoint()
    {
        await using var fake = await FakeChatCompletions.StartAsync();
        await using var silo = await RunningSilo.StartAsync(new()
        {
            ["Fabric:Sessions:DefaultStrategy"] = "queue",
            ["Fabric:Sessions:Brain:Kind"] = "openai",
            ["Fabric:Sessions:Brain:OpenAi:BaseUrl"] = fake.BaseUrl.ToString(),
            ["Fabric:Sessions:Brain:OpenAi:Model"] = "gpt-test",
        });

        using var accepted = await silo.PostAsync("/v1/messages", """{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"u1","channel":"custom","text":"hi there"}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var request = await fake.NextRequestAsync();
        request.Reply("hello from the model");

        var turns = await silo.GetUntilAsync("/v1/sessions/t1%3Aa%3Au1%3Acustom/turns", json => json.GetArrayLength() == 1, "the turn");
        Assert.Equal("hello from the model", turns[0].GetProperty("response").GetProperty("text").GetString());
        Assert.Equal([("user", "hi there")], request.Messages);
    }

    [Theory]
    [InlineData("Fabric:Sessions:Brain:OpenAi:Model", "Brain:OpenAi:BaseUrl")]
    [InlineData("Fabric:Sessions:Brain:OpenAi:BaseUrl", "Brain:OpenAi:Model")]
    public async Task An_openai_brain_without_its_endpoint_settings_stops_the_silo_naming_the_key(string onlySetting, string missingKey)
    {
        var failure = await Assert.ThrowsAsync<OrleansFabric.Silo.Hosting.SiloConfigurationException>(() => RunningSilo.StartAsync(new()
        {
            ["Fabric:Sessions:Brain:Kind"] = "openai",
            [onlySetting] = onlySetting.EndsWith("BaseUrl", StringComparison.Ordinal) ? "http://127.0.0.1:1/v1" : "gpt-test",
        }));
        Assert.Contains(missingKey, failure.Message, StringComparison.Ordinal);
    }
}
