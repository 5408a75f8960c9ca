using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Sessions;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// The durable reminder that wakes a session with unanswered messages after a crash: kept
/// while the conversation goes on (no delete and insert per reminder period), dropped once the
/// session has been quiet for a whole period.
/// </summary>
public sealed class ResumeReminderTests
{
    private static readonly Dictionary<string, string?> s_settings = new()
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:ResumeCheckSeconds"] = "10",
    };

    [Fact]
    public async Task A_session_in_conversation_keeps_its_reminder_and_a_quiet_one_drops_it_after_a_quiet_period()
    {
        var brain = new ScriptedBrain();
        var reminders = new InMemoryReminderTable();
        await using var silo = await StartAsync(brain, s_settings, reminders: reminders);
        var session = silo.GrainFactory.GetGrain<ISessionGrain>("t1:a:u1:custom");

        // A message every 6 s for a minute, each answered at once: every 10 s period has one.
        string? registered = null;
        for (var i = 1; i <= 10; i++)
        {
            await session.SubmitAsync(Message($"m{i}", "hi"));
            (await brain.NextCallAsync()).Answer("hello");
            await Eventually.TrueAsync(() => session.GetAsync().Result!.Status == "idle", $"answer {i}");
            silo.Time.Advance(TimeSpan.FromSeconds(6));

            // A tick is delivered inside Advance; the call after it waits for that turn.
            await session.GetAsync();
            var entry = Assert.Single(await reminders.ReadPartitionsAsync([.. Enumerable.Range(0, 256)], default));
            registered ??= entry.ETag;
            Assert.Equal(registered, entry.ETag);
        }

        // Quiet: the first tick still sees the last message's period, the next one drops it.
        silo.Time.Advance(TimeSpan.FromSeconds(10));
        await session.GetAsync();
        silo.Time.Advance(TimeSpan.FromSeconds(10));
        await session.GetAsync();

        Assert.Equal(0, reminders.Count);
    }
}
