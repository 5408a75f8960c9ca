using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Cli.Api;

/// <summary>
/// The public HTTP API over one or more silo URLs. A request goes to the URL that last
/// answered; when a URL cannot be connected to (so nothing was sent) it is tried on the next
/// one, and only when none answers is the cluster unreachable.
/// </summary>
internal sealed class FabricClient : IDisposable
{
    /// <summary>Longer than the longest long-poll (30 s) the API allows.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(45);

    private readonly HttpClient _http;
    private int _current;

    public FabricClient(IReadOnlyList<string> urls, string? apiKey)
    {
        Urls = urls;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>The silo URLs, without trailing slashes.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Splits a comma-separated <c>--url</c> value into absolute http(s) URLs.</summary>
    public static IReadOnlyList<string> ParseUrls(string value)
    {
        var urls = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            throw new UsageException("--url needs at least one URL");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--url: '{url}' is not an http:// or https:// URL");
            }
        }

        return [.. urls.Select(url => url.TrimEnd('/'))];
    }

    /// <summary>Percent-encodes one path segment (a session key, a batch or silo id).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, path, null, cancellationToken)).Read(type);

    public static byte[] Serialize<T>(T body, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(body, type);

    /// <summary>Sends to the current URL, failing over to the others when a URL cannot be connected to.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var first = Volatile.Read(ref _current);
        for (var attempt = 0; attempt < Urls.Count; attempt++)
        {
            var index = (first + attempt) % Urls.Count;
            try
            {
                var response = await SendToAsync(Urls[index], method, path, body, cancellationToken);
                Volatile.Write(ref _current, index);
                return response;
            }
            catch (FabricUnreachableException e)
            {
                failures.AddRange(e.Failures);
            }
        }

        throw new FabricUnreachableException(failures);
    }

    /// <summary>Sends to one URL; a connection failure or a missing answer throws <see cref="FabricUnreachableException"/>.</summary>
    public async Task<ApiResponse> SendToAsync(string url, HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, url + path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            return new ApiResponse((int)response.StatusCode, text, url);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new FabricUnreachableException([$"cannot reach {url}: {Reason(e)}"]);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FabricUnreachableException([$"cannot reach {url}: no answer within {RequestTimeout.TotalSeconds} s"]);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Reason(HttpRequestException exception) => exception.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => "host not found",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "timed out",
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable } => "unreachable",
        SocketException socket => socket.Message,
        _ => exception.Message,
    };
}
