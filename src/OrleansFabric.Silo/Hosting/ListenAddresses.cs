using System.Net;

namespace OrleansFabric.Silo.Hosting;

/// <summary>The public addresses the silo is asked to listen on, and whether they stay on this machine.</summary>
internal static class ListenAddresses
{
    public const string Default = "http://localhost:8080";

    /// <summary>The configured URLs (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), or the default.</summary>
    public static IReadOnlyList<string> From(IConfiguration configuration)
    {
        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"];
        return string.IsNullOrWhiteSpace(urls)
            ? [Default]
            : urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>True if <paramref name="url"/> binds only to a loopback interface.</summary>
    public static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd >= 0 ? url[(schemeEnd + 3)..] : url;
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']', StringComparison.Ordinal) + 1 : rest.IndexOfAny([':', '/']);
        var host = hostEnd > 0 ? rest[..hostEnd] : rest;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
