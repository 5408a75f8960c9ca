using System.Net;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

public sealed class WebhookDeliveryTests
{
    private const string Session = "/v1/sessions/t1%3Aa%3Au1%3Acustom";

    [Fact]
    public async Task A_completed_turn_is_posted_to_the_webhook_until_it_answers_2xx()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(503);
        receiver.Statuses.Enqueue(500);
        await using var silo = await RunningSilo.StartAsync(new()
        {
            ["Fabric:Sessions:DefaultStrategy"] = "queue",
            ["Fabric:Sessions:Delivery:WebhookUrl"] = receiver.Url.ToString(),
            ["Fabric:Sessions:Delivery:InitialBackoffMs"] = "20",
        });

        using var accepted = await silo.PostAsync("/v1/messages", """{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"u1","channel":"custom","text":"hi"}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var attempts = new[] { await receiver.NextAsync(), await receiver.NextAsync(), await receiver.NextAsync() };

        Assert.Equal([503, 500, 200], attempts.Select(attempt => attempt.Answered));
        var view = await silo.GetUntilAsync(Session, json => json.GetProperty("delivery").GetProperty("pending").GetInt32() == 0, "the acknowledgement");
        var turn = (await silo.GetUntilAsync(Session + "/turns", json => json.GetArrayLength() == 1, "the turn"))[0];
        var turnId = turn.GetProperty("turn_id").GetString();
        Assert.All(attempts, attempt => Assert.Equal((turnId, "application/json; charset=utf-8"), (attempt.IdempotencyKey, attempt.ContentType)));
        var body = attempts[2].Body;
        Assert.Equal(["message_ids", "response", "seq", "session_key", "turn_id"], body.Names());
        Assert.Equal(("t1:a:u1:custom", turnId, 1L), (body.GetProperty("session_key").GetString(), body.GetProperty("turn_id").GetString(), body.GetProperty("seq").GetInt64()));
        Assert.Equal(["m1"], body.GetProperty("message_ids").Strings());
        Assert.Equal("echo: hi", body.GetProperty("response").GetProperty("text").GetString());
        var delivery = view.GetProperty("delivery");
        Assert.True(delivery.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, delivery.GetProperty("delivered_through_seq").GetInt64());
        Assert.Equal(JsonValueKindNull, delivery.GetProperty("last_error").ValueKind);
    }

    [Fact]
    public async Task A_batch_terminal_event_is_posted_to_the_batch_webhook_with_a_stable_idempotency_key()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(502);
        await using var silo = await RunningSilo.StartAsync(new()
        {
            ["Fabric:Batches:Delivery:WebhookUrl"] = receiver.Url.ToString(),
            ["Fabric:Batches:Delivery:InitialBackoffMs"] = "20",
        });
        using var created = await silo.PutAsync("/v1/batches/b1", """{"expected_essay_ids":["e1"],"timeout_seconds":600}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var assigned = await silo.PostAsync("/v1/batches/b1/content", """{"text_storage_id":"ts-1","original_file_name":"essay1.docx"}""");
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        var failed = await receiver.NextAsync();
        var delivered = await receiver.NextAsync();

        Assert.Equal((502, 200), (failed.Answered, delivered.Answered));
        Assert.Equal(("b1:1", "b1:1"), (failed.IdempotencyKey, delivered.IdempotencyKey));
        Assert.Equal(["at", "batch_id", "payload", "seq", "type"], delivered.Body.Names());
        Assert.Equal(("b1", 1L, "BatchEssaysReady"), (delivered.Body.GetProperty("batch_id").GetString(), delivered.Body.GetProperty("seq").GetInt64(), delivered.Body.GetProperty("type").GetString()));
        Assert.Equal("ts-1", delivered.Body.GetProperty("payload").GetProperty("assignments")[0].GetProperty("text_storage_id").GetString());
        var status = await silo.GetUntilAsync("/v1/batches/b1", json => json.GetProperty("delivery").GetProperty("delivered_through_seq").GetInt64() == 1, "the acknowledgement");
        Assert.Equal(0, status.GetProperty("delivery").GetProperty("pending").GetInt32());
    }

    [Fact]
    public async Task With_MaxAttempts_a_turn_that_keeps_failing_is_dead_lettered_and_the_next_turn_is_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(500);
        receiver.Statuses.Enqueue(503);
        await using var silo = await RunningSilo.StartAsync(new()
        {
            ["Fabric:Sessions:DefaultStrategy"] = "queue",
            ["Fabric:Sessions:Delivery:WebhookUrl"] = receiver.Url.ToString(),
            ["Fabric:Sessions:Delivery:InitialBackoffMs"] = "20",
            ["Fabric:Sessions:Delivery:MaxAttempts"] = "2",
        });

        using var first = await silo.PostAsync("/v1/messages", """{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"u1","channel":"custom","text":"one"}""");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var failed = new[] { await receiver.NextAsync(), await receiver.NextAsync() };
        await silo.GetUntilAsync(Session, json => json.GetProperty("delivery").GetProperty("dead_lettered").GetInt64() == 1, "the dead letter");
        using var second = await silo.PostAsync("/v1/messages", """{"message_id":"m2","tenant_id":"t1","agent_id":"a","interlocutor_id":"u1","channel":"custom","text":"two"}""");
        var delivered = await receiver.NextAsync();

        Assert.Equal([500, 503], failed.Select(attempt => attempt.Answered));
        Assert.All(failed, attempt => Assert.Equal(1L, attempt.Body.GetProperty("seq").GetInt64()));
        Assert.Equal((200, 2L, "echo: two"), (delivered.Answered, delivered.Body.GetProperty("seq").GetInt64(), delivered.Body.GetProperty("response").GetProperty("text").GetString()));
        var view = await silo.GetUntilAsync(Session, json => json.GetProperty("delivery").GetProperty("delivered_through_seq").GetInt64() == 2, "the acknowledgement");
        var delivery = view.GetProperty("delivery");
        Assert.Equal((0, 1L), (delivery.GetProperty("pending").GetInt32(), delivery.GetProperty("dead_lettered").GetInt64()));
        var turns = await silo.GetUntilAsync(Session + "/turns", json => json.GetArrayLength() == 2, "both turns kept");
        Assert.Equal("echo: one", turns[0].GetProperty("response").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("Fabric:Sessions:Delivery:WebhookUrl", "ftp://example.com/hook")]
    [InlineData("Fabric:Batches:Delivery:WebhookUrl", "/relative")]
    [InlineData("Fabric:Sessions:Delivery:MaxBackoffSeconds", "0")]
    [InlineData("Fabric:Sessions:Delivery:MaxAttempts", "-1")]
    [InlineData("Fabric:Batches:Delivery:MaxAttempts", "1000001")]
    public async Task A_bad_delivery_setting_stops_the_silo_naming_the_key(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<Hosting.SiloConfigurationException>(() => RunningSilo.StartAsync(new() { [key] = value }));
        Assert.Contains(key["Fabric:".Length..], failure.Message, StringComparison.Ordinal);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
