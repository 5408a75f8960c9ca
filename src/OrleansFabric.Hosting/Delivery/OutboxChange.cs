namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// A change of a <see cref="WebhookOutboxState"/>: the owning grain state records it as a journal
/// entry (<see cref="Persistence.JournaledState"/>) and applies it with <see cref="WebhookOutboxState.Apply"/>.
/// </summary>
[GenerateSerializer]
[Alias("outbox-change")]
public abstract record OutboxChange;
