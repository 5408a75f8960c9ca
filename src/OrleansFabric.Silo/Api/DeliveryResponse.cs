namespace OrleansFabric.Silo.Api;

/// <summary>Webhook delivery state, in <see cref="SessionResponse"/> and <see cref="BatchStatusResponse"/>.</summary>
/// <param name="Enabled">False when no webhook is configured.</param>
/// <param name="Pending">Committed messages the webhook has not acknowledged yet.</param>
/// <param name="NextSeq">The seq being delivered (the oldest pending).</param>
/// <param name="Attempts">Failed attempts at it so far.</param>
/// <param name="LastError">Why the last attempt failed.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while backing off (UTC).</param>
/// <param name="DeliveredThroughSeq">The last acknowledged seq; every earlier one was acknowledged or dead-lettered.</param>
/// <param name="DeadLettered">Messages given up after <c>Delivery:MaxAttempts</c> failed attempts.</param>
/// <param name="LastDeliveredAt">When the last acknowledgement came (UTC).</param>
public sealed record DeliveryResponse(
    bool Enabled,
    int Pending,
    long? NextSeq,
    int Attempts,
    string? LastError,
    DateTime? NextAttemptAt,
    long DeliveredThroughSeq,
    long DeadLettered,
    DateTime? LastDeliveredAt)
{
    /// <summary>The response for <paramref name="status"/>.</summary>
    public static DeliveryResponse From(WebhookDeliveryStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new(
            status.Enabled,
            status.Pending,
            status.NextSeq,
            status.Attempts,
            status.LastError,
            status.NextAttemptAt?.UtcDateTime,
            status.DeliveredThroughSeq,
            status.DeadLettered,
            status.LastDeliveredAt?.UtcDateTime);
    }
}
