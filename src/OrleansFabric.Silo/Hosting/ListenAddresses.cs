using System.Net;

namespace OrleansFabric.Silo.Hosting;

/// <summary>
/// The public addresses the silo is asked to listen on, read the way Kestrel reads them
/// (<c>Kestrel:Endpoints</c>, then <c>urls</c> from <c>--urls</c> or <c>ASPNETCORE_URLS</c>,
/// then <c>http_ports</c>/<c>https_ports</c>), and whether they stay on this machine.
/// </summary>
/// <param name="Urls">The addresses; the default when nothing is configured.</param>
/// <param name="IsDefault">True when nothing was configured and the silo applies <see cref="Default"/>.</param>
internal sealed record ListenAddresses(IReadOnlyList<string> Urls, bool IsDefault)
{
    /// <summary>API.md: the silo listens on http://localhost:8080 unless told otherwise.</summary>
    public const string Default = "http://localhost:8080";

    /// <summary>The addresses <paramref name="configuration"/> asks for.</summary>
    public static ListenAddresses From(IConfiguration configuration)
    {
        // Kestrel:Endpoints wins over every other source when present.
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"])
            .OfType<string>()
            .Where(url => url.Length > 0)
            .ToList();
        if (endpoints.Count > 0)
        {
            return new ListenAddresses(endpoints, false);
        }

        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            return new ListenAddresses(Split(urls), false);
        }

        // http_ports / https_ports (ASPNETCORE_HTTP_PORTS, as container images set) bind every interface.
        var ports = Split(configuration["http_ports"]).Select(port => $"http://*:{port}")
            .Concat(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"))
            .ToList();
        return ports.Count > 0 ? new ListenAddresses(ports, false) : new ListenAddresses([Default], true);
    }

    /// <summary>The first address that other machines could reach, or null if all are loopback.</summary>
    public string? FirstExposed => Urls.FirstOrDefault(url => !IsLoopback(url));

    /// <summary>True if <paramref name="url"/> binds only to a loopback interface (or a Unix socket).</summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = HostOf(url);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.Equals("unix", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static string HostOf(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd >= 0 ? url[(schemeEnd + 3)..] : url;
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']', StringComparison.Ordinal) + 1 : rest.IndexOfAny([':', '/']);
        return hostEnd > 0 ? rest[..hostEnd] : rest;
    }

    private static string[] Split(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
