using OrleansFabric.Sessions.Brains;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// What a session's state keeps in memory: a duplicate is recognised whether the session has
/// a few remembered ids (scanned) or many (a set built on first need), only the last 1,000 are
/// remembered, and after a turn its lists give back the room they grew into.
/// </summary>
public sealed class SessionStateTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_duplicate_is_recognised_among_a_few_ids_and_among_many_and_only_the_last_1000_are_remembered()
    {
        var state = new SessionState();
        for (var i = 1; i <= 10; i++)
        {
            Converse(state, i);
        }

        Assert.True(state.Remembers("m1"));
        Assert.True(state.Remembers("m10"));
        Assert.False(state.Remembers("m11"));

        for (var i = 11; i <= SessionState.RememberedMessageIds + 5; i++)
        {
            Converse(state, i);
            if (i == 20)
            {
                Assert.True(state.Remembers("m3")); // past the scanned few: the set answers from now on
                Assert.False(state.Remembers("m21"));
            }
        }

        Assert.Equal(SessionState.RememberedMessageIds, state.RecentMessageIds.Count);
        Assert.All(Enumerable.Range(1, 5), i => Assert.False(state.Remembers($"m{i}")));
        Assert.All(Enumerable.Range(6, SessionState.RememberedMessageIds), i => Assert.True(state.Remembers($"m{i}")));
    }

    [Fact]
    public void After_its_first_turn_a_session_holds_its_lists_at_their_size()
    {
        var state = new SessionState();

        Converse(state, 1);

        Assert.Equal(0, state.Pending.Capacity);
        Assert.Equal(1, state.RecentMessageIds.Capacity);
        Assert.Equal(1, state.Turns.Capacity);
        Assert.Equal(1, state.History.Capacity);
        Assert.True(state.Remembers("m1"));
        Assert.Equal("answer number 1", state.History.Single().Response);
    }

    [Fact]
    public void Effects_are_carried_from_when_they_happen_once_until_a_turn_completes()
    {
        var state = new SessionState();
        state.Accept(new PendingMessage(Message("m1", "pay"), s_start));

        // Journaled as it happened, then the turn is cancelled (its record lists it; it is not carried twice).
        state.RecordEffect("turn-1", "paid");
        Assert.Equal(["paid"], state.CarriedEffects);
        state.EndTurn(new TurnRecord("turn-1", 1, TurnRecord.Cancelled, ["m1"], null, null, s_start, s_start, ["paid"]), null, 10, []);
        Assert.Equal(["paid"], state.CarriedEffects);

        // An effect that could not be journaled when it happened is carried when its turn ends.
        state.EndTurn(new TurnRecord("turn-2", 2, TurnRecord.Failed, ["m1"], null, "down", s_start, s_start, ["mailed"]), null, 10, ["mailed"]);
        Assert.Equal(["paid", "mailed"], state.CarriedEffects);

        state.EndTurn(new TurnRecord("turn-3", 3, TurnRecord.Completed, ["m1"], "done", null, s_start, s_start), new Exchange(["pay"], "done"), 10, []);
        Assert.Empty(state.CarriedEffects);
    }

    /// <summary>One accepted message and its completed turn, as the session grain makes them.</summary>
    private static void Converse(SessionState state, int turn)
    {
        var id = $"m{turn}";
        var at = s_start.AddSeconds(turn);
        state.Accept(new PendingMessage(Message(id, $"question number {turn}"), at));
        state.EndTurn(
            new TurnRecord($"{turn:x32}", state.NextSeq, TurnRecord.Completed, [id], $"answer number {turn}", null, at, at.AddMilliseconds(5)),
            new Exchange([$"question number {turn}"], $"answer number {turn}"),
            200,
            []);
    }
}
