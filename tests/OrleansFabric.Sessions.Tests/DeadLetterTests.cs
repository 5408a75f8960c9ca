using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

public sealed class DeadLetterTests(DeadLetterCluster cluster) : IClassFixture<DeadLetterCluster>
{
    [Fact]
    public async Task An_answer_that_failed_MaxAttempts_times_is_dead_lettered_kept_in_history_counted_and_the_next_one_is_delivered()
    {
        var key = Key("dead-letter");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 2;
        var session = cluster.Session(key);
        var countedBefore = DeadLettered();
        await session.SubmitAsync(Message("m1", "one"));
        await session.SubmitAsync(Message("m2", "two"));
        (await brain.NextCallAsync()).Answer("r1");
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the first failure recorded");
        (await brain.NextCallAsync()).Answer("r2");
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Pending == 2, "both turns committed");

        // The second failed attempt at turn 1 is its last: it is given up and turn 2 goes at once.
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var last = await webhook.NextAttemptAsync();
        var next = await webhook.NextAttemptAsync();

        Assert.Equal((1L, false), (last.Seq, last.Succeeded));
        Assert.Equal((2L, true, "r2"), (next.Seq, next.Succeeded, next.Body.GetProperty("response").GetProperty("text").GetString()));
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.DeliveredThroughSeq == 2, "turn 2 acknowledged");
        var delivery = (await session.GetAsync())!.Delivery;
        Assert.Equal((0, 1L, 0, (string?)null, (long?)null), (delivery.Pending, delivery.DeadLettered, delivery.Attempts, delivery.LastError, delivery.NextSeq));
        Assert.Equal([1L, 1L, 2L], webhook.Attempts.Select(attempt => attempt.Seq));
        var turns = (await session.GetTurnsAsync(0))!;
        Assert.Equal([(1L, "r1"), (2L, "r2")], turns.Select(turn => (turn.Seq, turn.ResponseText!)));
        Assert.Equal(countedBefore + 1, DeadLettered());
        await Until.TrueAsync(async () => await cluster.Reminders.ReadRow(session.GetGrainId(), "webhook-outbox") is null, "no outbox reminder once nothing is pending");
    }

    [Fact]
    public async Task The_dead_letter_count_survives_a_deactivation()
    {
        var key = Key("dead-letter-kept");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 2;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "one"));
        (await brain.NextCallAsync()).Answer("r1");
        await FailTwiceUntilDeadLetteredAsync(session, webhook);

        await cluster.DeactivateAsync(session);
        var reloaded = (await session.GetAsync())!.Delivery;

        Assert.Equal((1L, 0, 0L), (reloaded.DeadLettered, reloaded.Pending, reloaded.DeliveredThroughSeq));
        Assert.Single((await session.GetTurnsAsync(0))!);
    }

    [Fact]
    public async Task The_log_lines_of_an_answer_given_up_carry_the_trace_of_its_message()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("dead-letter-traced");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 2;
        var session = cluster.Session(key);
        var trace = await MessageTrace.SubmitAsync(session, Message("m1", "one"));
        (await brain.NextCallAsync()).Answer("r1");
        await FailTwiceUntilDeadLetteredAsync(session, webhook);

        cluster.Logs.AssertSessionLinesCarry(key, trace, 1401, 1403, 6001, 6002);
    }

    /// <summary>The webhook refuses the session's first answer twice (its attempts), and it is dead-lettered.</summary>
    private async Task FailTwiceUntilDeadLetteredAsync(ISessionGrain session, ScriptedWebhook webhook)
    {
        await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the first failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.DeadLettered == 1, "the dead letter recorded");
    }

    private long DeadLettered() =>
        DeadLetterMeter.Read(cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress), "session");
}

/// <summary>Queue, a webhook with a 1 s first backoff that gives an answer up after two failed attempts.</summary>
public sealed class DeadLetterCluster : SessionCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:Delivery:WebhookUrl"] = Hook,
        ["Fabric:Sessions:Delivery:InitialBackoffMs"] = "1000",
        ["Fabric:Sessions:Delivery:MaxAttempts"] = "2",
    };
}
