using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.Batches;

/// <summary>Batch settings (<c>Fabric:Batches</c>).</summary>
public sealed class BatchesOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Batches";

    /// <summary>Webhook delivery of batch events (<c>Fabric:Batches:Delivery</c>).</summary>
    public DeliveryOptions Delivery { get; set; } = new();
}
