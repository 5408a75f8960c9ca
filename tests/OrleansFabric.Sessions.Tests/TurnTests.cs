using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Sessions;

namespace OrleansFabric.Sessions.Tests;

public sealed class TurnTests
{
    private static readonly Dictionary<string, string?> s_queue = new() { ["Fabric:Sessions:DefaultStrategy"] = "queue" };

    [Fact]
    public async Task A_brain_that_fails_twice_is_retried_and_the_turn_completes()
    {
        var brain = new ScriptedBrain { FailNext = 2 };
        await using var silo = await StartAsync(brain, s_queue);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");

        await session.SubmitAsync(Message("m1", "hi"));
        await brain.NextCallAsync();
        await brain.NextCallAfterBackoffAsync(silo.Time);
        (await brain.NextCallAfterBackoffAsync(silo.Time)).Answer("finally");

        await Eventually.TrueAsync(() => session.GetTurnsAsync(0).Result!.Count == 1, "the turn");
        Assert.Equal((TurnRecord.Completed, "finally"), ((await session.GetTurnsAsync(0))![0].Status, (await session.GetTurnsAsync(0))![0].ResponseText));
    }

    [Fact]
    public async Task A_brain_that_keeps_failing_records_a_failed_turn_and_the_session_moves_on()
    {
        var brain = new ScriptedBrain { FailNext = 3 };
        await using var silo = await StartAsync(brain, s_queue);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "hi"));
        await session.SubmitAsync(Message("m2", "again"));

        await brain.NextCallAsync();
        await brain.NextCallAfterBackoffAsync(silo.Time);
        await brain.NextCallAfterBackoffAsync(silo.Time);
        var next = await brain.NextCallAsync();

        Assert.Equal(["again"], next.Texts);
        var failed = (await session.GetTurnsAsync(0))!.Single();
        Assert.Equal((TurnRecord.Failed, "the model is down"), (failed.Status, failed.Error));
        Assert.Equal(["m1"], failed.MessageIds);
    }

    [Fact]
    public async Task The_brain_sees_the_conversation_so_far()
    {
        var brain = new ScriptedBrain();
        await using var silo = await StartAsync(brain, s_queue);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "my name is Ada"));
        (await brain.NextCallAsync()).Answer("hello Ada");
        await Eventually.TrueAsync(() => session.GetAsync().Result!.Status == "idle", "the first turn");

        await session.SubmitAsync(Message("m2", "what is my name"));
        var second = await brain.NextCallAsync();

        var exchange = Assert.Single(second.Input.History);
        Assert.Equal(["my name is Ada"], exchange.UserTexts);
        Assert.Equal("hello Ada", exchange.Response);
    }

    [Fact]
    public async Task Turns_after_a_sequence_number_are_listed_oldest_first_and_history_is_bounded()
    {
        var settings = new Dictionary<string, string?>(s_queue) { ["Fabric:Sessions:TurnHistory"] = "3" };
        var brain = new ScriptedBrain();
        await using var silo = await StartAsync(brain, settings);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        for (var i = 1; i <= 5; i++)
        {
            await session.SubmitAsync(Message($"m{i}", $"{i}"));
            (await brain.NextCallAsync()).Answer($"r{i}");
            await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == i, $"turn {i}");
        }

        Assert.Equal([3L, 4L, 5L], (await session.GetTurnsAsync(0))!.Select(t => t.Seq));
        Assert.Equal([5L], (await session.GetTurnsAsync(4))!.Select(t => t.Seq));
        Assert.Empty((await session.GetTurnsAsync(5))!);
    }

    [Fact]
    public async Task Delete_erases_the_session_and_later_messages_start_a_new_one()
    {
        var brain = new ScriptedBrain();
        await using var silo = await StartAsync(brain, s_queue);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("r1");
        await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == 1, "the turn");

        await session.DeleteAsync();

        Assert.Null(await session.GetAsync());
        Assert.Null(await session.GetTurnsAsync(0));
        Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message("m1", "hi again"))).Outcome);
        (await brain.NextCallAsync()).Answer("r1 again");
        await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == 1, "the new session's turn");
        Assert.Equal(1L, (await session.GetTurnsAsync(0))!.Single().Seq);
        Assert.Empty(brain.Calls.Last().Input.History);
    }

    [Fact]
    public async Task A_message_accepted_before_the_silo_stopped_is_answered_by_the_next_silo()
    {
        var storage = new InMemoryGrainStorage();
        var reminders = new InMemoryReminderTable();
        var time = new ManualTimeProvider();
        var stuck = new ScriptedBrain();
        var first = await StartAsync(stuck, s_queue, storage, reminders, time);
        var accepted = await first.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom").SubmitAsync(Message("m1", "are you there"));
        Assert.Equal(SubmitOutcome.Accepted, accepted.Outcome);
        await stuck.NextCallAsync();
        await first.DisposeAsync();

        // Nobody writes to the session again: its durable reminder brings it back.
        var brain = new ScriptedBrain();
        await using var second = await StartAsync(brain, s_queue, storage, reminders, time);
        time.Advance(TimeSpan.FromSeconds(10));
        var call = await brain.NextCallAsync();
        call.Answer("yes");

        var session = second.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");
        await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == 1, "the answer");
        Assert.Equal(["are you there"], call.Texts);
        Assert.Equal("yes", (await session.GetTurnsAsync(0))!.Single().ResponseText);
    }

    [Fact]
    public async Task A_message_whose_write_failed_is_not_remembered_and_its_retry_is_accepted()
    {
        var storage = new FlakyGrainStorage { FailNextWrites = 1 };
        var brain = new ScriptedBrain();
        await using var silo = await StartAsync(brain, s_queue, storage);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");

        await Assert.ThrowsAsync<IOException>(() => session.SubmitAsync(Message("m1", "hi")));
        var retried = await session.SubmitAsync(Message("m1", "hi"));

        Assert.Equal(SubmitOutcome.Accepted, retried.Outcome);
        (await brain.NextCallAsync()).Answer("hello");
        await Eventually.TrueAsync(() => session.GetTurnsAsync(0).Result!.Count == 1, "the answer");
        Assert.Equal(["hi"], brain.Calls.Single().Texts);
    }
}
