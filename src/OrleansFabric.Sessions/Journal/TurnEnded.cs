using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions.Journal;

/// <summary>
/// A session's journal entry: a turn ended as <paramref name="Turn"/> says, with the
/// <paramref name="Exchange"/> the brain's history gains when it completed; the session keeps
/// its last <paramref name="KeepTurns"/> turns. <paramref name="EffectsRecorded"/>: the turn's
/// effects were journaled as they happened (<see cref="EffectRecorded"/>), except
/// <paramref name="Unrecorded"/>, which a turn that did not complete carries now. Entries written
/// before effects were journaled lack both, and such a turn carries all its effects.
/// </summary>
[GenerateSerializer]
[Alias("session-turn-ended")]
public sealed record TurnEnded(TurnRecord Turn, Exchange? Exchange, int KeepTurns, bool EffectsRecorded = false, IReadOnlyList<string>? Unrecorded = null);
