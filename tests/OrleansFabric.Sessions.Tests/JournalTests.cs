using System.Text.Json;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Sessions;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// A session's writes are journal entries: an accepted message writes that message, a turn
/// writes its outcome; the next silo rebuilds the same session from snapshot and journal.
/// </summary>
public sealed class JournalTests
{
    private const string Key = "t1:a:u1:custom";
    private static readonly Dictionary<string, string?> s_queue = new() { ["Fabric:Sessions:DefaultStrategy"] = "queue" };
    private static readonly GrainId s_session = new(new GrainType("session"), Key);

    [Fact]
    public async Task Messages_and_turns_are_journaled_as_their_own_changes_and_the_next_silo_replays_them()
    {
        var storage = new InMemoryGrainStorage();
        var brain = new ScriptedBrain();
        await using (var first = await StartAsync(brain, s_queue, storage))
        {
            // A long first exchange makes a snapshot large enough that the small changes after it
            // stay in the journal (a snapshot is due once the journal is as large as the last one).
            var session = first.GrainFactory.GetGrain<ISessionGrain>(Key);
            await session.SubmitAsync(Message("m0", new string('x', 4000)));
            (await brain.NextCallAsync()).Answer("answer 0");
            await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == 1, "answer 0");
            for (var i = 1; i <= 3; i++)
            {
                await session.SubmitAsync(Message($"m{i}", $"question {i}"));
                (await brain.NextCallAsync()).Answer($"answer {i}");
                await Eventually.TrueAsync(() => session.GetAsync().Result!.TurnsCompleted == i + 1, $"answer {i}");
            }

            await session.SubmitAsync(Message("m4", "still waiting"));
            await brain.NextCallAsync();
        }

        // Every change since the last snapshot is an entry of its own: the messages accepted and
        // the turns that answered them, in order.
        var record = await storage.ReadAsync(s_session, "session", default);
        var changes = record!.Journal.SelectMany(entry => JsonSerializer.Deserialize<JsonElement[]>(entry.Span)!).Select(Describe).ToList();
        Assert.Equal(["turn answer 1", "accepted m2", "turn answer 2", "accepted m3", "turn answer 3", "accepted m4"], changes.TakeLast(6));

        var next = new ScriptedBrain();
        await using var second = await StartAsync(next, s_queue, storage);
        var restored = second.GrainFactory.GetGrain<ISessionGrain>(Key);
        var turns = await restored.GetTurnsAsync(0);
        Assert.Equal(["answer 0", "answer 1", "answer 2", "answer 3"], turns!.Select(turn => turn.ResponseText));
        Assert.Equal([1L, 2L, 3L, 4L], turns!.Select(turn => turn.Seq));
        Assert.Equal(SubmitOutcome.Duplicate, (await restored.SubmitAsync(Message("m2", "question 2"))).Outcome);

        // The pending message is answered with the whole history the brain had seen.
        var call = await next.NextCallAsync();
        Assert.Equal(["still waiting"], call.Texts);
        Assert.Equal(["answer 0", "answer 1", "answer 2", "answer 3"], call.Input.History.Select(exchange => exchange.Response));
        call.Answer("answer 4");
        await Eventually.TrueAsync(() => restored.GetAsync().Result!.TurnsCompleted == 5, "answer 4");
        Assert.Equal(5L, (await restored.GetTurnsAsync(4))!.Single().Seq);
    }

    private static string Describe(JsonElement change) =>
        change.TryGetProperty("accepted", out var accepted) ? $"accepted {accepted.GetProperty("message").GetProperty("messageId").GetString()}"
        : change.TryGetProperty("turn", out var turn) ? $"turn {turn.GetProperty("responseText").GetString()}"
        : change.ToString();
}
