using Orleans.Runtime;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// The durable reminder that wakes a session with unanswered messages after a crash: kept
/// while the conversation goes on (no delete and insert per reminder period), dropped once the
/// session has been quiet for a whole period.
/// </summary>
public sealed class ResumeReminderTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public async Task A_session_in_conversation_keeps_its_reminder_and_a_quiet_one_drops_it_after_a_quiet_period()
    {
        var key = Key("reminder");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);

        // A message every 6 s for a minute, each answered at once: every 10 s period has one.
        string? registered = null;
        for (var i = 1; i <= 10; i++)
        {
            await session.SubmitAsync(Message($"m{i}", "hi"));
            (await brain.NextCallAsync()).Answer("hello");
            await Until.TrueAsync(async () => (await session.GetAsync())!.Status == "idle", $"answer {i}");
            cluster.Time.Advance(TimeSpan.FromSeconds(6));

            var entry = await cluster.Reminders.ReadRow(session.GetGrainId(), "resume");
            Assert.NotNull(entry);
            registered ??= entry.ETag;
            Assert.Equal(registered, entry.ETag);
        }

        // Quiet: the first tick still sees the last message's period, a later one drops it. A tick
        // is delivered asynchronously and missed ticks are skipped, so advance one period at a
        // time and give each tick its delivery before the next period (at most four periods).
        var dropped = false;
        for (var period = 0; period < 4 && !dropped; period++)
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(10));
            dropped = await Eventually.WithinAsync(() => cluster.Reminders.ReadRow(session.GetGrainId(), "resume").GetAwaiter().GetResult() is null, TimeSpan.FromSeconds(2));
        }

        Assert.True(dropped, "the reminder of a quiet session was not dropped");
        Assert.Equal(SubmitOutcome.Accepted, (await session.SubmitAsync(Message("m11", "back"))).Outcome);
        Assert.NotNull(await cluster.Reminders.ReadRow(session.GetGrainId(), "resume"));
    }

    [Fact]
    public async Task Two_ticks_in_a_row_within_a_period_of_the_last_message_keep_the_reminder()
    {
        var key = Key("reminder-late-tick");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        (await brain.NextCallAsync()).Answer("hello");
        await Until.TrueAsync(async () => (await session.GetAsync())!.Status == "idle", "the answer");
        var registered = (await cluster.Reminders.ReadRow(session.GetGrainId(), "resume"))!.ETag;

        // A tick delivered late, and the next one at once: the session spoke 2 s ago.
        cluster.Time.Advance(TimeSpan.FromSeconds(2));
        var now = cluster.Time.GetUtcNow().UtcDateTime;
        var tick = new TickStatus(now, TimeSpan.FromSeconds(10), now);
        await session.AsReference<IRemindable>().ReceiveReminder("resume", tick);
        await session.AsReference<IRemindable>().ReceiveReminder("resume", tick);

        Assert.Equal(registered, (await cluster.Reminders.ReadRow(session.GetGrainId(), "resume"))?.ETag);
    }
}
