using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace OrleansFabric.TestKit;

/// <summary>The W3C <c>traceparent</c> header as the test receivers (webhooks, a chat-completions server) record it.</summary>
public static class TraceParentHeader
{
    /// <summary>The request's <c>traceparent</c> header; null without one.</summary>
    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.TryGetValue("traceparent", out var header) ? header.ToString() : null;
    }

    /// <summary>The trace id of <paramref name="traceParent"/> in hex; null without a valid one.</summary>
    public static string? TraceId(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context.TraceId.ToHexString() : null;
}
