using System.Diagnostics;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

public sealed class DeliveryTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public async Task A_webhook_failing_twice_then_succeeding_gets_the_turn_with_backoff_and_one_idempotency_key()
    {
        var key = Key("backoff");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 2;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");

        var first = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the first failure recorded");
        var backingOff = (await session.GetAsync())!.Delivery;
        Assert.Equal((1, (long?)1L, 1), (backingOff.Pending, backingOff.NextSeq, backingOff.Attempts));
        Assert.Contains("503", backingOff.LastError, StringComparison.Ordinal);
        Assert.Equal(cluster.Time.GetUtcNow().AddSeconds(1), backingOff.NextAttemptAt);

        cluster.Time.Advance(TimeSpan.FromMilliseconds(999));
        await Until.TrueAsync(async () => (await session.GetAsync()) is not null, "a turn of the grain");
        Assert.Single(webhook.Attempts);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 2, "the second failure recorded");
        Assert.Equal(cluster.Time.GetUtcNow().AddSeconds(2), (await session.GetAsync())!.Delivery.NextAttemptAt);

        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var third = await webhook.NextAttemptAsync();
        Assert.True(third.Succeeded);
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Pending == 0, "the acknowledgement recorded");

        var turn = (await session.GetTurnsAsync(0))!.Single();
        var delivered = (await session.GetAsync())!.Delivery;
        Assert.Equal((1L, 0, (string?)null, (long?)null), (delivered.DeliveredThroughSeq, delivered.Attempts, delivered.LastError, delivered.NextSeq));
        Assert.Equal(3, webhook.Attempts.Count);
        Assert.All(webhook.Attempts, attempt => Assert.Equal((new Uri(SessionCluster.Hook), turn.TurnId, 1L), (attempt.Endpoint, attempt.IdempotencyKey, attempt.Seq)));
        var body = first.Body;
        Assert.Equal(key, body.GetProperty("session_key").GetString());
        Assert.Equal(turn.TurnId, body.GetProperty("turn_id").GetString());
        Assert.Equal(1, body.GetProperty("seq").GetInt64());
        Assert.Equal(["m1"], body.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal("hello", body.GetProperty("response").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Turns_reach_the_webhook_in_seq_order_and_a_later_turn_waits_for_an_earlier_one()
    {
        var key = Key("in-order");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 1;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "one"));
        await session.SubmitAsync(Message("m2", "two"));
        (await brain.NextCallAsync()).Answer("r1");
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        (await brain.NextCallAsync()).Answer("r2");

        // The back-off timer is set when the failure is recorded: the clock moves only after that.
        await Until.TrueAsync(
            async () => (await session.GetAsync())!.Delivery is { Pending: 2, Attempts: 1 },
            "both turns committed while the first answer backs off");

        // Turn 2 is committed but not sent while turn 1 backs off.
        Assert.Single(webhook.Attempts);
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await webhook.NextAttemptAsync();
        Assert.Equal((1L, true), (retried.Seq, retried.Succeeded));
        Assert.Equal(2L, (await webhook.NextAttemptAsync()).Seq);

        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Pending == 0, "both acknowledged");
        Assert.Equal([1L, 1L, 2L], webhook.Attempts.Select(attempt => attempt.Seq));
        Assert.Equal(["r1", "r2"], webhook.Delivered.Select(attempt => attempt.Body.GetProperty("response").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Delivery_resumes_on_the_next_activation_woken_by_its_reminder()
    {
        var key = Key("outbox-resume");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = int.MaxValue;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the failure recorded");

        Assert.NotNull(await cluster.Reminders.ReadRow(session.GetGrainId(), "webhook-outbox"));

        // The activation goes with its back-off timer; nobody calls the session again.
        await cluster.DeactivateAsync(session);
        webhook.FailNext = 0;
        cluster.Time.Advance(TimeSpan.FromMinutes(1));
        var attempt = await webhook.NextAttemptAsync();

        Assert.Equal(("hello", 1L, true), (attempt.Body.GetProperty("response").GetProperty("text").GetString(), attempt.Seq, attempt.Succeeded));
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement recorded");
        await Until.TrueAsync(async () => await cluster.Reminders.ReadRow(session.GetGrainId(), "webhook-outbox") is null, "no outbox reminder once everything is delivered");
    }

    [Fact]
    public async Task Every_attempt_at_an_answer_continues_the_trace_of_its_message_retries_included()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("traced-retries");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 2;
        var session = cluster.Session(key);
        var trace = await MessageTrace.SubmitAsync(session, Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");

        var first = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the first failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 2, "the second failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var third = await webhook.NextAttemptAsync();

        Assert.Equal([false, false, true], new[] { first, second, third }.Select(attempt => attempt.Succeeded));
        Assert.Equal([trace, trace, trace], new[] { first, second, third }.Select(attempt => attempt.TraceId));
    }

    [Fact]
    public async Task An_answer_queued_behind_a_failing_one_is_delivered_in_the_trace_of_its_own_message()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("traced-queue");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 1;
        var session = cluster.Session(key);
        var traceOne = await MessageTrace.SubmitAsync(session, Message("m1", "one"));
        var traceTwo = await MessageTrace.SubmitAsync(session, Message("m2", "two"));
        (await brain.NextCallAsync()).Answer("r1");
        var failed = await webhook.NextAttemptAsync();
        (await brain.NextCallAsync()).Answer("r2");
        await Until.TrueAsync(
            async () => (await session.GetAsync())!.Delivery is { Pending: 2, Attempts: 1 },
            "both turns committed while the first answer backs off");

        // The first answer's acknowledgement sends the second.
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await webhook.NextAttemptAsync();
        var next = await webhook.NextAttemptAsync();

        Assert.NotEqual(traceOne, traceTwo);
        Assert.Equal((1L, false, (ActivityTraceId?)traceOne), (failed.Seq, failed.Succeeded, failed.TraceId));
        Assert.Equal((1L, true, (ActivityTraceId?)traceOne), (retried.Seq, retried.Succeeded, retried.TraceId));
        Assert.Equal((2L, true, (ActivityTraceId?)traceTwo), (next.Seq, next.Succeeded, next.TraceId));
    }

    [Fact]
    public async Task A_redelivery_by_the_next_activation_continues_the_trace_of_its_message()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("traced-resume");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = int.MaxValue;
        var session = cluster.Session(key);
        var trace = await MessageTrace.SubmitAsync(session, Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        var failed = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the failure recorded");

        // Only the stored outbox is left; the outbox reminder wakes a new activation.
        await cluster.DeactivateAsync(session);
        webhook.FailNext = 0;
        cluster.Time.Advance(TimeSpan.FromMinutes(1));
        var redelivered = await webhook.NextAttemptAsync();

        Assert.Equal((1L, true), (redelivered.Seq, redelivered.Succeeded));
        Assert.Equal([trace, trace], new[] { failed, redelivered }.Select(attempt => (ActivityTraceId?)attempt.TraceId));
    }

    [Fact]
    public async Task Deleting_a_session_drops_its_undelivered_turns()
    {
        var key = Key("delete-outbox");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = int.MaxValue;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await webhook.NextAttemptAsync();

        await session.DeleteAsync();
        cluster.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await session.GetAsync());
        Assert.Null(await cluster.Reminders.ReadRow(session.GetGrainId(), "webhook-outbox"));
        Assert.Null(await cluster.Reminders.ReadRow(session.GetGrainId(), "resume"));
        Assert.Single(webhook.Attempts);
    }
}
