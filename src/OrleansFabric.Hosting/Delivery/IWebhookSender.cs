namespace OrleansFabric.Hosting.Delivery;

/// <summary>Sends one outbox message to a webhook.</summary>
public interface IWebhookSender
{
    /// <summary>
    /// POSTs <paramref name="message"/> to <paramref name="endpoint"/> with its
    /// <c>Idempotency-Key</c>. Completes when the receiver answered 2xx; throws otherwise.
    /// </summary>
    Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken);
}
