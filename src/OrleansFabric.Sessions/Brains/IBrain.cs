namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// The extension point that answers a turn. It runs off the session's mailbox (new messages
/// are accepted meanwhile) and may be cancelled when a newer message supersedes the turn:
/// honour the cancellation token, and wrap anything irreversible (a payment, an
/// e-mail) in <see cref="TurnController.RunNonCancellableAsync"/> so a supersede waits for it;
/// what such a section returns is committed with the turn even if the turn is cancelled, and the
/// next turn receives it in <see cref="BrainInput.PriorEffects"/>. Each attempt is cancelled
/// after <c>Sessions:TurnTimeoutSeconds</c>.
/// A brain that throws is retried (3 attempts, exponential backoff), then the turn is recorded
/// as failed. A brain must not touch the session's state: it only returns the answer.
/// </summary>
public interface IBrain
{
    /// <summary>Answers the turn's messages in the light of the conversation so far.</summary>
    Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken);
}

/// <summary>What a brain answers with.</summary>
/// <param name="Text">The response text.</param>
public sealed record BrainReply(string Text);

/// <summary>What a brain is given.</summary>
/// <param name="Session">The session.</param>
/// <param name="Messages">The turn's messages, in order.</param>
/// <param name="History">Earlier exchanges of this session, oldest first.</param>
/// <param name="PriorEffects">
/// What non-cancellable sections of earlier, cancelled or failed attempts at these messages
/// returned (side effects that already happened: do not repeat them), oldest first.
/// </param>
public sealed record BrainInput(SessionKey Session, IReadOnlyList<IncomingMessage> Messages, IReadOnlyList<Exchange> History, IReadOnlyList<string> PriorEffects);

/// <summary>One earlier exchange: what the user said in a turn and what the brain answered.</summary>
[GenerateSerializer]
[Alias("exchange")]
public sealed record Exchange(IReadOnlyList<string> UserTexts, string Response);
