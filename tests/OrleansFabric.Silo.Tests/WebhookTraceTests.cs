using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// A request's W3C <c>traceparent</c> reaches the webhook POSTs of what it caused, on every
/// attempt: the retries run on a grain timer of the fake clock, long after the request ended.
/// </summary>
public sealed class WebhookTraceTests
{
    private const string Session = "/v1/sessions/t1%3Aa%3Atraced%3Acustom";

    [Fact]
    public async Task Every_webhook_post_of_an_answer_carries_the_trace_of_its_message_request_retries_included()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(503);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = await RunningSilo.StartAsync(
            new()
            {
                ["Fabric:Sessions:DefaultStrategy"] = "queue",
                ["Fabric:Sessions:Delivery:WebhookUrl"] = receiver.Url.ToString(),
            },
            configure: builder => FakeClock.AddTo(builder, clock));
        var traceId = ActivityTraceId.CreateRandom();

        using var accepted = await silo.PostInTraceAsync("/v1/messages", """{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"traced","channel":"custom","text":"hi"}""", traceId);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var failed = await receiver.NextAsync();
        await silo.GetUntilAsync(Session, json => json.GetProperty("delivery").GetProperty("attempts").GetInt32() == 1, "the failure recorded");
        clock.Advance(TimeSpan.FromSeconds(1));
        var delivered = await receiver.NextAsync();

        Assert.Equal((503, 200), (failed.Answered, delivered.Answered));
        Assert.Equal([traceId.ToHexString(), traceId.ToHexString()], new[] { failed, delivered }.Select(request => request.TraceId));
    }

    [Fact]
    public async Task Every_webhook_post_of_a_batch_event_carries_the_trace_of_the_request_that_completed_the_batch()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(502);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = await RunningSilo.StartAsync(
            new() { ["Fabric:Batches:Delivery:WebhookUrl"] = receiver.Url.ToString() },
            configure: builder => FakeClock.AddTo(builder, clock));
        using var created = await silo.PutAsync("/v1/batches/traced", """{"expected_essay_ids":["e1"],"timeout_seconds":600}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var traceId = ActivityTraceId.CreateRandom();

        using var completing = await silo.PostInTraceAsync("/v1/batches/traced/content", """{"text_storage_id":"ts-1"}""", traceId);
        Assert.Equal(HttpStatusCode.OK, completing.StatusCode);
        var failed = await receiver.NextAsync();
        await silo.GetUntilAsync("/v1/batches/traced", json => json.GetProperty("delivery").GetProperty("attempts").GetInt32() == 1, "the failure recorded");
        clock.Advance(TimeSpan.FromSeconds(1));
        var delivered = await receiver.NextAsync();

        Assert.Equal((502, 200), (failed.Answered, delivered.Answered));
        Assert.Equal([traceId.ToHexString(), traceId.ToHexString()], new[] { failed, delivered }.Select(request => request.TraceId));
    }
}
