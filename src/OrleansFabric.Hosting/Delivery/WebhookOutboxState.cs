namespace OrleansFabric.Hosting.Delivery;

/// <summary>The persisted part of a <see cref="WebhookOutbox"/>: a field of the owning grain's state.</summary>
[GenerateSerializer]
[Alias("webhook-outbox-state")]
public sealed class WebhookOutboxState
{
    /// <summary>Committed messages not yet acknowledged, in seq order.</summary>
    [Id(0)]
    public List<OutboxMessage> Messages { get; set; } = [];

    /// <summary>The seq of the last acknowledged message (earlier ones were acknowledged or dead-lettered).</summary>
    [Id(1)]
    public long DeliveredThroughSeq { get; set; }

    /// <summary>When the last acknowledgement came.</summary>
    [Id(2)]
    public DateTimeOffset? LastDeliveredAt { get; set; }

    /// <summary>Messages given up after <see cref="DeliveryOptions.MaxAttempts"/> failed attempts, ever (kept here so the count survives reactivation).</summary>
    [Id(3)]
    public long DeadLettered { get; set; }
}
