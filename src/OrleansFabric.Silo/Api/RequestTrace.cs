using System.Diagnostics;
using OrleansFabric.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>The HTTP request's trace, handed to the grains it calls.</summary>
internal static class RequestTrace
{
    /// <summary>
    /// Hands the request's trace to the grains this request calls in Orleans' request context: a
    /// batch keeps it with the event a call completes (a message carries its own, in
    /// <c>IncomingMessage.TraceParent</c>). Orleans' activity propagation puts a traceparent in the request context only
    /// while its activity sources are traced (an OTLP exporter is configured; see
    /// <c>SiloApplication</c>); without one this puts the request's own there. With one, Orleans
    /// replaces it with its client span's, a child in the same trace.
    /// </summary>
    public static void Propagate()
    {
        if (TraceParent() is { } traceParent)
        {
            RequestContext.Set(GrainCallTrace.RequestContextKey, traceParent);
        }
    }

    /// <summary>The W3C traceparent of the request's activity (see <c>SiloApplication</c>), or null.</summary>
    public static string? TraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } traceParent } ? traceParent : null;
}
