using Orleans.Core.Internal;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

public sealed class TurnTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public async Task A_brain_that_fails_twice_is_retried_and_the_turn_completes()
    {
        var key = Key("retried");
        var brain = cluster.Brain(key);
        brain.FailNext = 2;
        var session = cluster.Session(key);

        await session.SubmitAsync(Message("m1", "hi"));
        await brain.NextCallAsync();
        await brain.NextCallAfterBackoffAsync(cluster.Time);
        (await brain.NextCallAfterBackoffAsync(cluster.Time)).Answer("finally");

        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 1, "the turn");
        var turn = (await session.GetTurnsAsync(0))!.Single();
        Assert.Equal((TurnRecord.Completed, "finally"), (turn.Status, turn.ResponseText));
        Assert.Equal(3, brain.Calls.Count);
    }

    [Fact]
    public async Task A_brain_that_keeps_failing_records_a_failed_turn_and_the_session_moves_on()
    {
        var key = Key("failing");
        var brain = cluster.Brain(key);
        brain.FailNext = 3;
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        await session.SubmitAsync(Message("m2", "again"));

        await brain.NextCallAsync();
        await brain.NextCallAfterBackoffAsync(cluster.Time);
        await brain.NextCallAfterBackoffAsync(cluster.Time);
        var next = await brain.NextCallAsync();

        Assert.Equal(["again"], next.Texts);
        var failed = (await session.GetTurnsAsync(0))!.Single();
        Assert.Equal((TurnRecord.Failed, "the model is down"), (failed.Status, failed.Error));
        Assert.Equal(["m1"], failed.MessageIds);
        Assert.Equal(["m2"], (await session.GetAsync())!.PendingMessageIds);
        Assert.Equal(0, (await session.GetAsync())!.TurnsCompleted);
    }

    [Fact]
    public async Task The_brain_sees_the_conversation_so_far()
    {
        var key = Key("history");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "my name is Ada"));
        (await brain.NextCallAsync()).Answer("hello Ada");
        await Until.TrueAsync(async () => (await session.GetAsync())!.Status == "idle", "the first turn");

        await session.SubmitAsync(Message("m2", "what is my name"));
        var second = await brain.NextCallAsync();

        var exchange = Assert.Single(second.Input.History);
        Assert.Equal(["my name is Ada"], exchange.UserTexts);
        Assert.Equal("hello Ada", exchange.Response);
    }

    [Fact]
    public async Task Turns_after_a_sequence_number_are_listed_oldest_first_and_history_is_bounded()
    {
        // The cluster keeps three turns (Fabric:Sessions:TurnHistory = 3).
        var key = Key("bounded");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        for (var i = 1; i <= 5; i++)
        {
            await session.SubmitAsync(Message($"m{i}", $"{i}"));
            (await brain.NextCallAsync()).Answer($"r{i}");
            var done = i;
            await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == done, $"turn {i}");
        }

        Assert.Equal([3L, 4L, 5L], (await session.GetTurnsAsync(0))!.Select(t => t.Seq));
        Assert.Equal([5L], (await session.GetTurnsAsync(4))!.Select(t => t.Seq));
        Assert.Empty((await session.GetTurnsAsync(5))!);
        Assert.Equal(5, (await session.GetAsync())!.TurnsCompleted);
    }

    [Fact]
    public async Task Delete_erases_the_session_and_later_messages_start_a_new_one()
    {
        var key = Key("deleted");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("r1");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn");

        await session.DeleteAsync();

        Assert.Null(await session.GetAsync());
        Assert.Null(await session.GetTurnsAsync(0));
        Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message("m1", "hi again"))).Outcome);
        (await brain.NextCallAsync()).Answer("r1 again");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the new session's turn");
        Assert.Equal(1L, (await session.GetTurnsAsync(0))!.Single().Seq);
        Assert.Empty(brain.Calls.Last().Input.History);
    }

    [Fact]
    public async Task A_message_accepted_before_a_deactivation_is_answered_by_the_next_activation()
    {
        var key = Key("resumed");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        var accepted = await session.SubmitAsync(Message("m1", "are you there"));
        Assert.Equal(SubmitOutcome.Accepted, accepted.Outcome);
        var stuck = await brain.NextCallAsync();

        // The activation goes (as idle collection would end it); its running turn is cancelled with it.
        await session.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Until.TrueAsync(() => Task.FromResult(stuck.Token.IsCancellationRequested), "the activation to end");
        Assert.NotNull(await cluster.Reminders.ReadRow(session.GetGrainId(), "resume"));

        // Nobody writes to the session again: the next activation (woken by the cancelled turn's
        // report or by the durable resume reminder) runs the message again.
        cluster.Time.Advance(TimeSpan.FromSeconds(10));
        var call = await brain.NextCallAsync();
        call.Answer("yes");

        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the answer");
        Assert.Equal(["are you there"], call.Texts);
        var turns = (await session.GetTurnsAsync(0))!;
        var answered = turns.Single(turn => turn.Status == TurnRecord.Completed);
        Assert.Equal("yes", answered.ResponseText);
        Assert.Equal(["m1"], answered.MessageIds);
        Assert.Empty((await session.GetAsync())!.PendingMessageIds);
    }
}

public sealed class FailedWriteTests(FlakyStorageCluster cluster) : IClassFixture<FlakyStorageCluster>
{
    [Fact]
    public async Task A_message_whose_write_failed_is_not_remembered_and_its_retry_is_accepted()
    {
        var key = Key("failed-write");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        cluster.Storage!.FailNextWrites = 1;

        // Orleans reports a failed storage operation as an OrleansException around the storage's error.
        var failed = await Assert.ThrowsAsync<OrleansException>(() => session.SubmitAsync(Message("m1", "hi")));
        Assert.IsType<IOException>(failed.InnerException);
        var retried = await session.SubmitAsync(Message("m1", "hi"));

        Assert.Equal(SubmitOutcome.Accepted, retried.Outcome);
        (await brain.NextCallAsync()).Answer("hello");
        await Until.TrueAsync(async () => (await session.GetTurnsAsync(0))!.Count == 1, "the answer");
        Assert.Equal(["hi"], brain.Calls.Single().Texts);
        var stored = cluster.Storage.Stored<SessionState>(session.GetGrainId(), "session");
        Assert.Equal((1L, 0), (stored!.TurnsCompleted, stored.Pending.Count));
    }
}
