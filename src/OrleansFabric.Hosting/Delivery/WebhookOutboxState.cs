namespace OrleansFabric.Hosting.Delivery;

/// <summary>The persisted part of a <see cref="WebhookOutbox"/>: a field of the owning grain's state.</summary>
[GenerateSerializer]
[Alias("webhook-outbox-state")]
public sealed class WebhookOutboxState
{
    /// <summary>Committed messages not yet acknowledged, in seq order.</summary>
    [Id(0)]
    public List<OutboxMessage> Messages { get; set; } = [];

    /// <summary>The seq of the last acknowledged message.</summary>
    [Id(1)]
    public long DeliveredThroughSeq { get; set; }

    /// <summary>When the last acknowledgement came.</summary>
    [Id(2)]
    public DateTimeOffset? LastDeliveredAt { get; set; }
}
