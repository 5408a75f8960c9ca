using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions.Journal;

/// <summary>
/// A session's journal entry: a turn ended as <paramref name="Turn"/> says, with the
/// <paramref name="Exchange"/> the brain's history gains when it completed; the session keeps
/// its last <paramref name="KeepTurns"/> turns.
/// </summary>
[GenerateSerializer]
[Alias("session-turn-ended")]
public sealed record TurnEnded(TurnRecord Turn, Exchange? Exchange, int KeepTurns);
