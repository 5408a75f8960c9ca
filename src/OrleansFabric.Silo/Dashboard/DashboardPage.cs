using System.Security.Cryptography;

namespace OrleansFabric.Silo.Dashboard;

/// <summary>
/// The dashboard's HTML, an embedded resource with its CSS and script inline. Each response
/// carries a fresh nonce in a strict Content-Security-Policy, so only the page's own script and
/// style run and it may only fetch from its own origin.
/// </summary>
internal sealed class DashboardPage
{
    private const string ResourceName = "OrleansFabric.Silo.Dashboard.dashboard.html";
    private const string NoncePlaceholder = "{{nonce}}";

    private readonly string _template;

    public DashboardPage()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        _template = reader.ReadToEnd();
    }

    public IResult Write(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src data:; " +
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.Content(_template.Replace(NoncePlaceholder, nonce, StringComparison.Ordinal), "text/html; charset=utf-8");
    }
}
