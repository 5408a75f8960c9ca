using System.Diagnostics;

namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// The webhook deliveries' traces: every attempt at an outbox message runs in a span
/// ("webhook delivery") whose parent is the trace the message was committed under
/// (<see cref="OutboxMessage.TraceParent"/>), so the POST's <c>traceparent</c> carries that trace
/// on the first attempt, on retries, and after the grain moved or its silo restarted.
/// </summary>
public static class WebhookTelemetry
{
    /// <summary>The activity source's name (add it to the tracer provider).</summary>
    public const string SourceName = "OrleansFabric.Delivery";

    /// <summary>The span of one delivery attempt.</summary>
    public const string AttemptName = "webhook delivery";

    private static readonly ActivitySource s_source = new(SourceName);

    /// <summary>
    /// Starts the span of an attempt at <paramref name="message"/> in place of the ambient one
    /// (whatever call resumed delivery, a timer, an acknowledgement of another message), as a
    /// child of the message's trace, or as a new trace when it has none. With a trace and no
    /// listener the span is still created, unrecorded, so that the POST carries the trace; with
    /// neither, there is no span and the POST carries no <c>traceparent</c>. Call it on the flow
    /// that sends (it sets <see cref="Activity.Current"/> there).
    /// </summary>
    internal static Activity? StartAttempt(OutboxMessage message, WebhookDeliveryKind kind, int attempt)
    {
        Activity.Current = null;
        Activity? activity;
        if (message.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            activity = s_source.StartActivity(AttemptName, ActivityKind.Internal, parent)
                ?? new Activity(AttemptName).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
        }
        else
        {
            activity = s_source.StartActivity(AttemptName, ActivityKind.Internal);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("fabric.webhook.kind", kind == WebhookDeliveryKind.Session ? "session" : "batch");
            activity.SetTag("fabric.webhook.seq", message.Seq);
            activity.SetTag("fabric.webhook.idempotency_key", message.IdempotencyKey);
            activity.SetTag("fabric.webhook.attempt", attempt);
        }

        return activity;
    }
}
