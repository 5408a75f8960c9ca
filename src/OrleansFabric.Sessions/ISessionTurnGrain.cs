using Orleans.Concurrency;

namespace OrleansFabric.Sessions;

/// <summary>
/// How a session's brain, running off the grain's scheduler, hands its outcome back to the
/// session: as a grain call, queued behind the messages that arrived meanwhile, so the commit is
/// one turn of the grain like every other change. One-way: the brain's task has nothing to wait
/// for (a call that finds the activation gone reaches a new one, which ignores an unknown turn and
/// runs the turn's messages, still pending in the stored state, again). Not for callers outside
/// the session.
/// </summary>
[Alias("session-turn")]
public interface ISessionTurnGrain : IGrainWithStringKey
{
    /// <summary>Turn <paramref name="turnId"/>'s brain finished with <paramref name="outcome"/>.</summary>
    [Alias("turn-ended")]
    [OneWay]
    Task TurnEndedAsync(string turnId, BrainOutcome outcome);

    /// <summary>
    /// A non-cancellable section of turn <paramref name="turnId"/> ended with <paramref name="effect"/>:
    /// it is journaled before this returns (the section returns to the brain after that).
    /// </summary>
    [Alias("effect-recorded")]
    Task EffectRecordedAsync(string turnId, string effect);
}
