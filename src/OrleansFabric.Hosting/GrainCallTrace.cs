using System.Diagnostics;

namespace OrleansFabric.Hosting;

/// <summary>The trace of the grain call being served, for work that outlives the call (a turn, a webhook delivery).</summary>
public static class GrainCallTrace
{
    /// <summary>The request-context key of the W3C traceparent (the header's name, as Orleans' propagator uses it).</summary>
    public const string RequestContextKey = "traceparent";

    /// <summary>
    /// The W3C traceparent of the call being served: its span when Orleans' activity propagation
    /// started one (someone listens to Orleans' sources), else the traceparent the caller put in
    /// the request context (its propagation is on, nobody listens here); null when the call
    /// carried no trace.
    /// </summary>
    public static string? TraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id
        : RequestContext.Get(RequestContextKey) as string;

    /// <summary>
    /// The trace id of <paramref name="traceParent"/> (a W3C traceparent) in hex, for the
    /// <c>TraceId</c> of log lines about the work it traces; empty when there is none.
    /// </summary>
    public static string TraceId(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context.TraceId.ToHexString() : string.Empty;
}
