using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

public sealed class StrategyTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public async Task Queue_runs_one_turn_per_message_in_arrival_order()
    {
        var key = Key("queue-order");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        await session.SubmitAsync(Message("m1", "one"));
        var first = await brain.NextCallAsync();
        await session.SubmitAsync(Message("m2", "two"));
        await session.SubmitAsync(Message("m3", "three"));
        Assert.Equal("running", (await session.GetAsync())!.Status);
        first.Answer("r1");
        var second = await brain.NextCallAsync();
        second.Answer("r2");
        var third = await brain.NextCallAsync();
        third.Answer("r3");

        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 3, "three turns");
        var turns = (await session.GetTurnsAsync(0))!;
        Assert.Equal([["m1"], ["m2"], ["m3"]], turns.Select(t => t.MessageIds));
        Assert.Equal(["r1", "r2", "r3"], turns.Select(t => t.ResponseText));
        Assert.Equal([1L, 2L, 3L], turns.Select(t => t.Seq));
        Assert.Equal(["one", "two", "three"], brain.Calls.SelectMany(call => call.Texts));
    }

    [Fact]
    public async Task Aggregate_joins_messages_within_the_window_into_one_turn()
    {
        var key = Key("aggregate-window", "whatsapp");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        await session.SubmitAsync(Message("m1", "hi"));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1000));
        await session.SubmitAsync(Message("m2", "are you there"));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1400));
        Assert.Equal("accumulating", (await session.GetAsync())!.Status);
        Assert.Empty(brain.Calls);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(100));

        var call = await brain.NextCallAsync();
        Assert.Equal(["hi", "are you there"], call.Texts);
        call.Answer("hello");
        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 1, "one turn");
        Assert.Equal(["m1", "m2"], (await session.GetTurnsAsync(0))![0].MessageIds);
    }

    [Fact]
    public async Task Aggregate_starts_a_turn_at_most_MaxAggregationDelayMs_after_its_first_message()
    {
        var key = Key("aggregate-max-delay", "sms");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        for (var i = 0; i < 4; i++)
        {
            await session.SubmitAsync(Message($"m{i}", $"part {i}"));
            cluster.Time.Advance(TimeSpan.FromMilliseconds(1000));
        }

        // 4 s after the first message, each message 1 s after the last: nothing yet.
        Assert.Empty(brain.Calls);
        await session.SubmitAsync(Message("m4", "part 4"));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1000));

        // 5 s after the first message, although the last one came 1 s ago.
        var call = await brain.NextCallAsync();
        Assert.Equal(5, call.Input.Messages.Count);
    }

    [Fact]
    public async Task The_chatty_user_gets_two_aggregated_turns_covering_all_five_messages()
    {
        var key = Key("chatty", "whatsapp");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        // 5 messages in 10 s; the brain takes 8 s per turn.
        await session.SubmitAsync(Message("m1", "1"));
        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var first = await brain.NextCallAsync();
        for (var i = 2; i <= 5; i++)
        {
            await session.SubmitAsync(Message($"m{i}", $"{i}"));
            cluster.Time.Advance(TimeSpan.FromSeconds(2));
        }

        first.Answer("a1");
        var second = await brain.NextCallAsync();
        second.Answer("a2");

        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 2, "two turns");
        var turns = (await session.GetTurnsAsync(0))!;
        Assert.Equal([["m1"], ["m2", "m3", "m4", "m5"]], turns.Select(t => t.MessageIds));
        Assert.All(turns, turn => Assert.Equal(TurnRecord.Completed, turn.Status));
    }

    [Fact]
    public async Task Supersede_cancels_the_running_turn_commits_nothing_of_it_and_answers_all_messages_next()
    {
        var key = Key("supersede", "web");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        await session.SubmitAsync(Message("m1", "book a flight"));
        var first = await brain.NextCallAsync();
        await session.SubmitAsync(Message("m2", "to Oslo"));

        Assert.True(first.Token.IsCancellationRequested);
        var second = await brain.NextCallAsync();
        Assert.Equal(["book a flight", "to Oslo"], second.Texts);
        second.Answer("booked");
        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 2, "two turn records");

        var turns = (await session.GetTurnsAsync(0))!;
        Assert.Equal((TurnRecord.Cancelled, (string?)null), (turns[0].Status, turns[0].ResponseText));
        Assert.Equal(["m1"], turns[0].MessageIds);
        Assert.Equal((TurnRecord.Completed, "booked"), (turns[1].Status, turns[1].ResponseText));
        Assert.Equal(["m1", "m2"], turns[1].MessageIds);
        Assert.Equal(1, (await session.GetAsync())!.TurnsCompleted);
    }

    [Fact]
    public async Task Supersede_waits_for_a_non_cancellable_section_to_end()
    {
        var key = Key("supersede-section", "web");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "pay"));
        var first = await brain.NextCallAsync();
        var payment = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var section = first.Turn.RunNonCancellableAsync(() => payment.Task);

        await session.SubmitAsync(Message("m2", "wait"));

        Assert.False(first.Token.IsCancellationRequested);
        payment.SetResult(1);
        await section;
        Assert.True(first.Token.IsCancellationRequested);
        var second = await brain.NextCallAsync();
        Assert.Equal(["pay", "wait"], second.Texts);
    }

    [Fact]
    public async Task Reject_refuses_messages_while_a_turn_runs_and_stores_nothing_of_them()
    {
        var key = Key("reject", "kiosk");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "one"));
        var call = await brain.NextCallAsync();

        var busy = await session.SubmitAsync(Message("m2", "two"));

        Assert.Equal(SubmitOutcome.Busy, busy.Outcome);
        Assert.Equal(["m1"], (await session.GetAsync())!.PendingMessageIds);
        call.Answer("done");
        await Until.TrueAsync(async () => (await session.GetAsync())!.Status == "idle", "the turn to end");
        Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message("m2", "two"))).Outcome);
    }

    [Fact]
    public async Task A_repeated_message_id_is_accepted_once()
    {
        var key = Key("duplicate");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        var first = await session.SubmitAsync(Message("wamid.1", "hi"));
        var again = await session.SubmitAsync(Message("wamid.1", "hi"));

        Assert.Equal(SubmitOutcome.Accepted, first.Outcome);
        Assert.Equal(SubmitOutcome.Duplicate, again.Outcome);
        Assert.Equal(["wamid.1"], (await session.GetAsync())!.PendingMessageIds);
        (await brain.NextCallAsync()).Answer("x");
        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 1, "the turn");
        Assert.Equal(SubmitOutcome.Duplicate, (await session.SubmitAsync(Message("wamid.1", "hi"))).Outcome);
        Assert.Single(brain.Calls);
    }

    [Fact]
    public async Task The_grain_itself_refuses_an_oversized_text_or_a_malformed_id_and_stores_nothing()
    {
        var key = Key("invalid");
        var session = cluster.Session(key);

        await Assert.ThrowsAsync<ArgumentException>(() => session.SubmitAsync(Message("m1", new string('x', (32 * 1024) + 1))));
        await Assert.ThrowsAsync<ArgumentException>(() => session.SubmitAsync(Message(new string('m', 201), "hi")));

        Assert.Null(await session.GetAsync());
        Assert.Empty(cluster.Brain(key).Calls);
    }
}

public sealed class QueueLimitTests(SmallQueueCluster cluster) : IClassFixture<SmallQueueCluster>
{
    [Fact]
    public async Task A_full_queue_refuses_more_messages_until_a_turn_answers_some()
    {
        var key = Key("queue-full");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message($"m{i}", "x"))).Outcome);
        }

        var full = await session.SubmitAsync(Message("m4", "x"));

        Assert.Equal(new SubmitResult(SubmitOutcome.QueueFull, 3), full);
        (await brain.NextCallAsync()).Answer("r1");
        await Until.TrueAsync(async () => (await session.GetAsync())!.PendingMessageIds.Count == 2, "one message answered");
        Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message("m4", "x"))).Outcome);
    }

    [Fact]
    public async Task Without_a_webhook_nothing_is_queued_for_delivery()
    {
        var key = Key("no-webhook");
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await cluster.Brain(key).NextCallAsync()).Answer("hello");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn");

        var delivery = (await session.GetAsync())!.Delivery;
        Assert.Equal((false, 0), (delivery.Enabled, delivery.Pending));
        Assert.Empty(cluster.Webhook(key).Attempts);
    }
}
