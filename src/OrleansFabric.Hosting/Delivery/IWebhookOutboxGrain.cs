namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// A grain with a <see cref="WebhookOutbox"/>: the outbox posts off the grain's scheduler and
/// reports each attempt back to its grain through this interface, as a grain call, so the
/// outcome is recorded one turn at a time like every other change.
/// </summary>
[Alias("webhook-outbox")]
public interface IWebhookOutboxGrain : IGrain
{
    /// <summary>An attempt (of outbox <paramref name="generation"/>) at message <paramref name="seq"/> ended: delivered when <paramref name="failure"/> is null.</summary>
    [Alias("attempted")]
    Task WebhookAttemptedAsync(long generation, long seq, string? failure);
}
