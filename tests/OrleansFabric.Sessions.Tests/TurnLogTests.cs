using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// Every log line a turn causes, the session grain's and its webhook outbox's, carries the trace
/// id of the message the turn answers (<c>TraceId</c>), whichever flow writes it: a grain call of
/// another message, the turn off the scheduler, a back-off timer.
/// </summary>
public sealed class TurnLogTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public async Task Every_log_line_of_a_retried_then_superseded_turn_and_of_the_turn_that_answers_carries_the_trace_of_the_first_message()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("logged-supersede", "web");
        var brain = cluster.Brain(key);
        brain.FailNext = 1;
        var session = cluster.Session(key);
        var trace = await MessageTrace.SubmitAsync(session, Message("m1", "book a flight"));
        await brain.NextCallAsync();
        var retry = await brain.NextCallAfterBackoffAsync(cluster.Time);

        // The superseding message's own request is of another trace; the turns answer m1 first.
        var later = await MessageTrace.SubmitAsync(session, Message("m2", "to Oslo"));
        Assert.True(retry.Token.IsCancellationRequested);
        (await brain.NextCallAsync()).Answer("booked");
        Assert.True((await cluster.Webhook(key).NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.DeliveredThroughSeq == 2, "the answer acknowledged");

        Assert.NotEqual(trace, later);
        Assert.Equal([TurnRecord.Cancelled, TurnRecord.Completed], (await session.GetTurnsAsync(0))!.Select(turn => turn.Status));
        cluster.Logs.AssertSessionLinesCarry(key, trace, 6001, 6002, 6003, 6004);
    }

    [Fact]
    public async Task Every_log_line_of_a_turn_whose_answer_the_webhook_refuses_once_carries_the_trace_of_its_message()
    {
        using var tracing = MessageTrace.Listen();
        var key = Key("logged-webhook");
        var brain = cluster.Brain(key);
        var webhook = cluster.Webhook(key);
        webhook.FailNext = 1;
        var session = cluster.Session(key);
        var trace = await MessageTrace.SubmitAsync(session, Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);

        // The back-off timer is set when the failure is recorded: the clock moves only after that.
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.Attempts == 1, "the failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await session.GetAsync())!.Delivery.DeliveredThroughSeq == 1, "the answer acknowledged");

        cluster.Logs.AssertSessionLinesCarry(key, trace, 1401, 6001, 6002);
    }
}
