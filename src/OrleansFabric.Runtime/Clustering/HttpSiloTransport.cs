using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// Forwards calls to other silos over HTTP/2 cleartext (one multiplexed connection per peer,
/// more when streams run out). Connection failures before anything was sent are reported
/// as <see cref="ForwardResult.Unreachable"/> so the dispatcher may try again; a failure
/// after the request may have reached the peer ends the call with
/// <see cref="FabricOutcomeUnknownException"/> instead, since it might have run.
/// </summary>
public sealed class HttpSiloTransport : ISiloTransport, IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private readonly HttpClient _client;
    private readonly string _secret;
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates the transport with the cluster secret and the silo's serializer options.</summary>
    public HttpSiloTransport(string clusterSecret, JsonSerializerOptions serializerOptions)
    {
        _secret = clusterSecret;
        _options = serializerOptions;
        _client = new HttpClient(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <inheritdoc/>
    public async Task<ForwardResult> ForwardAsync(string endpoint, GrainId target, GrainRequest request, long expectedEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(arguments))
        {
            request.WriteArguments(writer, _options);
        }

        var uri = new Uri($"http://{endpoint}{SiloProtocol.CallsPath}/{Uri.EscapeDataString(target.Type.Name)}/{Uri.EscapeDataString(request.Method.Name)}?key={Uri.EscapeDataString(target.Key)}");
        var content = new SendTrackingContent(arguments.WrittenMemory);
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Content.Headers.ContentType = s_json;
        message.Headers.Add(SiloProtocol.SecretHeader, _secret);
        message.Headers.Add(SiloProtocol.EpochHeader, expectedEpoch.ToString(CultureInfo.InvariantCulture));

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.ConnectionError && !content.WasSent)
        {
            return ForwardResult.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException)
        {
            request.Fail(new FabricOutcomeUnknownException($"The call to {target} on {endpoint} failed after it was sent; it may or may not have run.", exception));
            return ForwardResult.Completed;
        }

        using (response)
        {
            if ((int)response.StatusCode == SiloProtocol.NotOwnerStatus)
            {
                return ForwardResult.NotOwner;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                request.Fail(new GrainCallException($"Silo {endpoint} refused the call to {target}.{request.Method.Name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}"));
                return ForwardResult.Completed;
            }

            if (response.Headers.TryGetValues(SiloProtocol.OutcomeHeader, out var outcome) && outcome.Contains(SiloProtocol.ExceptionOutcome))
            {
                using var error = JsonDocument.Parse(body);
                request.Fail(GrainExceptionCodec.Read(error.RootElement));
                return ForwardResult.Completed;
            }

            var reader = new Utf8JsonReader(body);
            reader.Read();
            request.CompleteFromJson(ref reader, _options);
            return ForwardResult.Completed;
        }
    }

    /// <inheritdoc/>
    public async Task<bool> RequestDrainAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://{endpoint}{SiloProtocol.DrainPath}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.Add(SiloProtocol.SecretHeader, _secret);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await _client.SendAsync(message, deadline.Token);
            return response.StatusCode == HttpStatusCode.Accepted
                ? true
                : throw new InvalidOperationException($"The silo at {endpoint} refused the drain: {(int)response.StatusCode}.");
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}
