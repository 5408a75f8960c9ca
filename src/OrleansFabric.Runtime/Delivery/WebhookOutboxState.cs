namespace OrleansFabric.Runtime;

/// <summary>The persisted part of a <see cref="WebhookOutbox"/>: a field of the owning grain's state.</summary>
public sealed class WebhookOutboxState
{
    /// <summary>Committed messages not yet acknowledged, in seq order.</summary>
    public List<OutboxMessage> Messages { get; set; } = [];

    /// <summary>The seq of the last acknowledged message.</summary>
    public long DeliveredThroughSeq { get; set; }

    /// <summary>When the last acknowledgement came.</summary>
    public DateTimeOffset? LastDeliveredAt { get; set; }
}
