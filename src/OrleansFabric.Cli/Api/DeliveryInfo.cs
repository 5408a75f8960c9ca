namespace OrleansFabric.Cli.Api;

/// <summary>The <c>delivery</c> member of a session or batch: where its webhook delivery stands.</summary>
internal sealed record DeliveryInfo(
    bool Enabled,
    int Pending,
    long? NextSeq,
    int Attempts,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    long DeliveredThroughSeq,
    DateTimeOffset? LastDeliveredAt)
{
    /// <summary>One line for people, after <c>Delivery   </c>; <paramref name="item"/> names what is delivered (turn, event).</summary>
    public string Describe(string item)
    {
        if (!Enabled)
        {
            return "no webhook configured (answers by long-poll only)";
        }

        if (Pending == 0)
        {
            return DeliveredThroughSeq == 0 ? "nothing to deliver yet" : $"every {item} delivered (through seq {Display.Format.Number(DeliveredThroughSeq)})";
        }

        var retrying = Attempts == 0 ? string.Empty : $", {Display.Format.Number(Attempts)} failed attempt(s), last: {Display.Format.OneLine(LastError)}, next at {Display.Format.Time(NextAttemptAt)}";
        return $"{Display.Format.Number(Pending)} {item}(s) not yet delivered, next seq {Display.Format.Number(NextSeq ?? 0)}{retrying}";
    }
}
