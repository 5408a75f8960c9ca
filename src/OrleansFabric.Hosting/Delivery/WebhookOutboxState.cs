namespace OrleansFabric.Hosting.Delivery;

/// <summary>The persisted part of a <see cref="WebhookOutbox"/>: a field of the owning grain's state, changed only through <see cref="Apply"/>.</summary>
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

    /// <summary>Applies <paramref name="change"/> (the owner records it as one of its journal entries).</summary>
    public void Apply(OutboxChange change)
    {
        switch (change)
        {
            case OutboxAdded added:
                Messages.Add(added.Message);
                break;
            case OutboxDelivered delivered when Messages.Count > 0 && Messages[0].Seq == delivered.Seq:
                Messages.RemoveAt(0);
                DeliveredThroughSeq = delivered.Seq;
                LastDeliveredAt = delivered.At;
                break;
            case OutboxDeadLettered deadLettered when Messages.Count > 0 && Messages[0].Seq == deadLettered.Seq:
                Messages.RemoveAt(0);
                DeadLettered++;
                break;
            default:
                throw new InvalidOperationException($"The outbox cannot apply {change}: its oldest message is {(Messages.Count > 0 ? Messages[0].Seq : null)}.");
        }
    }
}
