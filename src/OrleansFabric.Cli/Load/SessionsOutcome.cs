namespace OrleansFabric.Cli.Load;

/// <summary>What a <c>load sessions</c> run did to the sessions.</summary>
/// <param name="Sessions">Sessions written to.</param>
/// <param name="Accepted">Messages answered 202 <c>accepted</c>.</param>
/// <param name="Duplicates">Messages answered 202 <c>duplicate</c>.</param>
/// <param name="SessionsAnswered">Sessions with at least one answered message (with <c>--await-answers</c>).</param>
/// <param name="Answered">Accepted messages whose turn completed (with <c>--await-answers</c>).</param>
/// <param name="Unanswered">Accepted messages without a completed or failed turn when the run ended (still pending after Ctrl+C).</param>
internal sealed record SessionsOutcome(int Sessions, long Accepted, long Duplicates, int SessionsAnswered, long Answered, long Unanswered);
