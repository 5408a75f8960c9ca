using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Sessions;

namespace OrleansFabric.Sessions.Tests;

public sealed class DeliveryTests
{
    private const string Hook = "http://hooks.test/turns";

    private static readonly Dictionary<string, string?> s_settings = new()
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:Delivery:WebhookUrl"] = Hook,
        ["Fabric:Sessions:Delivery:InitialBackoffMs"] = "1000",
    };

    [Fact]
    public async Task A_webhook_failing_twice_then_succeeding_gets_the_turn_with_backoff_and_one_idempotency_key()
    {
        var brain = new ScriptedBrain();
        var webhook = new ScriptedWebhook { FailNext = 2 };
        await using var silo = await StartAsync(brain, s_settings, webhook: webhook);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");

        var first = await webhook.NextAttemptAsync();
        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the first failure recorded", TimeSpan.FromSeconds(10));
        var backingOff = (await session.GetAsync())!.Delivery;
        Assert.Equal((1, 1L, 1), (backingOff.Pending, backingOff.NextSeq, backingOff.Attempts));
        Assert.Contains("503", backingOff.LastError, StringComparison.Ordinal);
        Assert.Equal(silo.Time.GetUtcNow().AddSeconds(1), backingOff.NextAttemptAt);

        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await webhook.NextAttemptAsync();
        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 2, "the second failure recorded", TimeSpan.FromSeconds(10));
        Assert.Equal(silo.Time.GetUtcNow().AddSeconds(2), (await session.GetAsync())!.Delivery.NextAttemptAt);

        silo.Time.Advance(TimeSpan.FromSeconds(2));
        var third = await webhook.NextAttemptAsync();
        Assert.True(third.Succeeded);
        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.Pending == 0, "the acknowledgement recorded", TimeSpan.FromSeconds(10));

        var turn = (await session.GetTurnsAsync(0))!.Single();
        var delivered = (await session.GetAsync())!.Delivery;
        Assert.Equal((1L, 0, (string?)null, (long?)null), (delivered.DeliveredThroughSeq, delivered.Attempts, delivered.LastError, delivered.NextSeq));
        Assert.Equal(3, webhook.Attempts.Count);
        Assert.All(webhook.Attempts, attempt => Assert.Equal((new Uri(Hook), turn.TurnId, 1L), (attempt.Endpoint, attempt.IdempotencyKey, attempt.Seq)));
        var body = first.Body;
        Assert.Equal("t1:a:u1:custom", body.GetProperty("session_key").GetString());
        Assert.Equal(turn.TurnId, body.GetProperty("turn_id").GetString());
        Assert.Equal(1, body.GetProperty("seq").GetInt64());
        Assert.Equal(["m1"], body.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal("hello", body.GetProperty("response").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Turns_reach_the_webhook_in_seq_order_and_a_later_turn_waits_for_an_earlier_one()
    {
        var brain = new ScriptedBrain();
        var webhook = new ScriptedWebhook { FailNext = 1 };
        await using var silo = await StartAsync(brain, s_settings, webhook: webhook);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "one"));
        await session.SubmitAsync(Message("m2", "two"));
        (await brain.NextCallAsync()).Answer("r1");
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        (await brain.NextCallAsync()).Answer("r2");
        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.Pending == 2, "both turns committed", TimeSpan.FromSeconds(10));

        // Turn 2 is committed but not sent while turn 1 backs off.
        Assert.Single(webhook.Attempts);
        silo.Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await webhook.NextAttemptAsync();
        Assert.Equal((1L, true), (retried.Seq, retried.Succeeded));
        Assert.Equal(2L, (await webhook.NextAttemptAsync()).Seq);

        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.Pending == 0, "both acknowledged", TimeSpan.FromSeconds(10));
        Assert.Equal([1L, 1L, 2L], webhook.Attempts.Select(attempt => attempt.Seq));
        Assert.Equal(["r1", "r2"], webhook.Delivered.Select(attempt => attempt.Body.GetProperty("response").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Delivery_resumes_on_the_next_silo_after_a_restart()
    {
        var storage = new InMemoryGrainStorage();
        var reminders = new InMemoryReminderTable();
        var time = new ManualTimeProvider();
        var brain = new ScriptedBrain();
        var down = new ScriptedWebhook { FailNext = int.MaxValue };
        var first = await StartAsync(brain, s_settings, storage, reminders, time, down);
        await first.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom").SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await down.NextAttemptAsync();
        await first.DisposeAsync();

        // Nobody touches the session again: the outbox's durable reminder brings it back.
        var up = new ScriptedWebhook();
        await using var second = await StartAsync(new ScriptedBrain(), s_settings, storage, reminders, time, up);
        time.Advance(TimeSpan.FromSeconds(30));
        var attempt = await up.NextAttemptAsync();

        Assert.Equal(("hello", 1L), (attempt.Body.GetProperty("response").GetProperty("text").GetString(), attempt.Seq));
        var session = second.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await Eventually.PollAsync(async () => (await session.GetAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement recorded", TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => reminders.Count == 0, "no reminder left once everything is delivered");
    }

    [Fact]
    public async Task Without_a_webhook_nothing_is_queued_for_delivery()
    {
        var brain = new ScriptedBrain();
        var webhook = new ScriptedWebhook();
        var settings = new Dictionary<string, string?> { ["Fabric:Sessions:DefaultStrategy"] = "queue" };
        await using var silo = await StartAsync(brain, settings, webhook: webhook);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await Eventually.PollAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn", TimeSpan.FromSeconds(10));

        var delivery = (await session.GetAsync())!.Delivery;
        Assert.Equal((false, 0), (delivery.Enabled, delivery.Pending));
        Assert.Empty(webhook.Attempts);
    }

    [Fact]
    public async Task Deleting_a_session_drops_its_undelivered_turns()
    {
        var brain = new ScriptedBrain();
        var webhook = new ScriptedWebhook { FailNext = int.MaxValue };
        var reminders = new InMemoryReminderTable();
        await using var silo = await StartAsync(brain, s_settings, reminders: reminders, webhook: webhook);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await webhook.NextAttemptAsync();

        await session.DeleteAsync();
        silo.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await session.GetAsync());
        Assert.Equal(0, reminders.Count);
        Assert.Single(webhook.Attempts);
    }
}
