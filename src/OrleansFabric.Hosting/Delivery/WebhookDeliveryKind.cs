namespace OrleansFabric.Hosting.Delivery;

/// <summary>Which application an outbox belongs to: the <c>kind</c> label of the delivery metrics.</summary>
public enum WebhookDeliveryKind
{
    /// <summary>A conversation session's completed turns.</summary>
    Session,

    /// <summary>An essay batch's terminal event.</summary>
    Batch,
}
