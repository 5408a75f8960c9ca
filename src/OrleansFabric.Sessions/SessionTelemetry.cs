using System.Diagnostics;

namespace OrleansFabric.Sessions;

/// <summary>The sessions' traces: one span per turn, a child of the trace of the message that started it.</summary>
public static class SessionTelemetry
{
    /// <summary>The activity source's name (add it to the tracer provider).</summary>
    public const string SourceName = "OrleansFabric.Sessions";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts an activity continuing <paramref name="traceParent"/> (a W3C traceparent), or
    /// null when there is none. With no listener on <see cref="SourceName"/> the activity is
    /// still created, unrecorded, so that outgoing HTTP calls carry the trace.
    /// </summary>
    internal static Activity? Start(string name, string? traceParent)
    {
        if (traceParent is null || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            return null;
        }

        return Source.StartActivity(name, ActivityKind.Internal, parent)
            ?? new Activity(name).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
    }
}
