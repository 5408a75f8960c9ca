using System.Diagnostics.Metrics;

namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// The webhook delivery instruments, on meter <see cref="MeterName"/>:
/// <c>fabric_webhook_dead_lettered_total{kind}</c>. It is an observable counter, so every
/// kind is exported from start-up, zero included (a counter that never counted is not
/// exported at all, and an alert on it would see no data rather than 0).
/// </summary>
public sealed class WebhookMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrleansFabric.Delivery";

    private readonly Meter _meter;
    private long _deadLetteredSessions;
    private long _deadLetteredBatches;

    /// <summary>Creates the instruments.</summary>
    public WebhookMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter(
            "fabric_webhook_dead_lettered_total",
            ObserveDeadLettered,
            description: "Webhook messages given up after Delivery:MaxAttempts failed attempts on this silo, by kind (session, batch).");
    }

    /// <summary>Messages of <paramref name="kind"/> dead-lettered on this silo since it started.</summary>
    public long DeadLettered(WebhookDeliveryKind kind) =>
        kind == WebhookDeliveryKind.Session ? Interlocked.Read(ref _deadLetteredSessions) : Interlocked.Read(ref _deadLetteredBatches);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    /// <summary>Counts one dead-lettered message.</summary>
    internal void CountDeadLettered(WebhookDeliveryKind kind)
    {
        if (kind == WebhookDeliveryKind.Session)
        {
            Interlocked.Increment(ref _deadLetteredSessions);
        }
        else
        {
            Interlocked.Increment(ref _deadLetteredBatches);
        }
    }

    private IEnumerable<Measurement<long>> ObserveDeadLettered() =>
    [
        new(DeadLettered(WebhookDeliveryKind.Session), new KeyValuePair<string, object?>("kind", "session")),
        new(DeadLettered(WebhookDeliveryKind.Batch), new KeyValuePair<string, object?>("kind", "batch")),
    ];
}
