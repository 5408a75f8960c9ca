namespace OrleansFabric.Sessions.Journal;

/// <summary>
/// A session's journal entry: a non-cancellable section of turn <paramref name="TurnId"/> ended
/// and returned <paramref name="Effect"/>. It is written as soon as the section ends, before the
/// turn does, so that a turn that never ends (a silo killed or stopped past its deadline, a
/// failed commit) cannot lose it: the next turn's brain receives it.
/// </summary>
[GenerateSerializer]
[Alias("session-effect-recorded")]
public sealed record EffectRecorded(string TurnId, string Effect);
