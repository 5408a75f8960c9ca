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
}
