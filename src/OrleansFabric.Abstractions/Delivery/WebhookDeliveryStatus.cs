namespace OrleansFabric;

/// <summary>Where a grain's webhook delivery stands.</summary>
/// <param name="Enabled">False when no webhook is configured (nothing is queued then).</param>
/// <param name="Pending">Committed messages the webhook has not acknowledged yet.</param>
/// <param name="NextSeq">The message being delivered: the oldest pending one.</param>
/// <param name="Attempts">Failed attempts at that message since this activation started.</param>
/// <param name="LastError">Why the last attempt failed.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while backing off.</param>
/// <param name="DeliveredThroughSeq">Every message up to this seq was acknowledged (0: none yet).</param>
/// <param name="LastDeliveredAt">When the last acknowledgement came.</param>
/// <param name="DeadLettered">Messages given up after <c>Delivery:MaxAttempts</c> failed attempts, over the grain's life.</param>
[GenerateSerializer]
[Alias("webhook-delivery-status")]
public sealed record WebhookDeliveryStatus(
    bool Enabled,
    int Pending,
    long? NextSeq,
    int Attempts,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    long DeliveredThroughSeq,
    DateTimeOffset? LastDeliveredAt,
    long DeadLettered);
