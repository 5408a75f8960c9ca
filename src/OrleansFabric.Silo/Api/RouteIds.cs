using Microsoft.AspNetCore.Http.Features;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Reads an id from the path as the client percent-encoded it. ASP.NET Core decodes the path
/// except for <c>%2F</c>, so a route value would keep <c>%2F</c> literally and an id containing
/// a slash could never be reached; here the segment is taken from the raw request target and
/// decoded once, so every id API.md allows round-trips through a URL.
/// </summary>
internal static class RouteIds
{
    /// <summary>
    /// The decoded third segment of <c>/v1/{resource}/{id}/...</c>, falling back to
    /// <paramref name="routeValue"/> when the raw target does not have that shape.
    /// </summary>
    public static string Read(HttpContext context, string resource, string routeValue)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return routeValue;
        }

        var end = raw.IndexOfAny(['?', '#']);
        var segments = (end >= 0 ? raw[..end] : raw).Split('/');
        return segments.Length >= 4 && string.Equals(segments[1], "v1", StringComparison.OrdinalIgnoreCase)
            && string.Equals(segments[2], resource, StringComparison.OrdinalIgnoreCase)
            ? Uri.UnescapeDataString(segments[3])
            : routeValue;
    }
}
