using System.Diagnostics;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// Grain calls made as the HTTP API makes them: inside the span of a message's request, with a
/// listener on Orleans' sources (as the silo's tracer provider is), so that the client's activity
/// propagation puts the request's trace into the call.
/// </summary>
internal sealed class MessageTrace : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
            || source.Name is SessionTelemetry.SourceName or WebhookTelemetry.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private MessageTrace() => ActivitySource.AddActivityListener(_listener);

    /// <summary>Starts listening; dispose to stop.</summary>
    public static MessageTrace Listen() => new();

    /// <summary>Submits <paramref name="message"/> in a request span of a new trace, and returns the trace's id.</summary>
    public static async Task<ActivityTraceId> SubmitAsync(ISessionGrain session, IncomingMessage message)
    {
        var traceId = ActivityTraceId.CreateRandom();

        // The message's HTTP request, as ASP.NET Core would have started it from its traceparent.
        using (new Activity("POST /v1/messages").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            await session.SubmitAsync(message);
        }

        return traceId;
    }

    public void Dispose() => _listener.Dispose();
}
