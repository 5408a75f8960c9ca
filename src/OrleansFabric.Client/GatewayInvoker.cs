using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansFabric.Invocation;

namespace OrleansFabric.Client;

/// <summary>Carries grain calls to gateway silos, failing over between them.</summary>
internal sealed class GatewayInvoker : IGrainCallInvoker, IDisposable
{
    private const string OutcomeHeader = "X-Fabric-Outcome";
    private static readonly TimeSpan s_maximumBackoff = TimeSpan.FromSeconds(1);
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private readonly FabricClientOptions _options;
    private readonly HttpClient _http;
    private int _preferred;

    public GatewayInvoker(FabricClientOptions options, HttpMessageHandler handler)
    {
        _options = options;
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public ValueTask<TResult> InvokeAsync<TResult>(GrainId target, GrainRequest<TResult> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = request.AsValueTask();
        _ = SendAsync(target, request);
        return outcome;
    }

    public void Dispose() => _http.Dispose();

    private async Task SendAsync(GrainId target, GrainRequest request)
    {
        var arguments = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(arguments))
        {
            request.WriteArguments(writer, _options.SerializerOptions);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken);
        deadline.CancelAfter(_options.CallTimeout);
        var backoff = TimeSpan.FromMilliseconds(50);
        Exception? last = null;
        for (var attempt = 0; attempt < 1000 && !deadline.IsCancellationRequested; attempt++)
        {
            var gateway = _options.Gateways[(Volatile.Read(ref _preferred) + attempt) % _options.Gateways.Count];
            var uri = new Uri(gateway, $"/v1/grains/{Uri.EscapeDataString(target.Type.Name)}/{Uri.EscapeDataString(request.Method.Name)}?key={Uri.EscapeDataString(target.Key)}");
            var content = new SendTrackingContent(arguments.WrittenMemory);
            using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
            message.Content.Headers.ContentType = s_json;
            if (_options.ApiKey is { } key)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, deadline.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.ConnectionError && !content.WasSent)
            {
                // Nothing was sent: try the next gateway.
                last = exception;
                Interlocked.Exchange(ref _preferred, (_options.Gateways.IndexOf(gateway) + 1) % _options.Gateways.Count);
                await DelayAsync(backoff, deadline.Token).ConfigureAwait(false);
                backoff = Grow(backoff);
                continue;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                request.Fail(new FabricOutcomeUnknownException($"The call to {target} failed after it was sent to {gateway}; it may or may not have run.", exception));
                return;
            }

            using (response)
            {
                var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    // The silo answered "unavailable" before running anything: retry.
                    last = Problem(response, body);
                    var retryAfter = response.Headers.RetryAfter?.Delta ?? backoff;
                    await DelayAsync(retryAfter < s_maximumBackoff ? retryAfter : s_maximumBackoff, deadline.Token).ConfigureAwait(false);
                    backoff = Grow(backoff);
                    continue;
                }

                Complete(request, response, body);
                return;
            }
        }

        request.Fail(request.CancellationToken.IsCancellationRequested
            ? new OperationCanceledException("The grain call was cancelled.", last, request.CancellationToken)
            : new FabricUnavailableException($"No gateway completed the call to {target} within {_options.CallTimeout}.", last ?? new TimeoutException()));
    }

    private void Complete(GrainRequest request, HttpResponseMessage response, byte[] body)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            request.Fail(Problem(response, body));
            return;
        }

        if (response.Headers.TryGetValues(OutcomeHeader, out var outcome) && outcome.Contains("exception"))
        {
            using var error = JsonDocument.Parse(body);
            request.Fail(GrainExceptionCodec.Read(error.RootElement));
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            request.CompleteFromJson(ref reader, _options.SerializerOptions);
        }
        catch (JsonException exception)
        {
            request.Fail(exception);
        }
    }

    private static Exception Problem(HttpResponseMessage response, byte[] body)
    {
        string code = "unknown", detail = response.ReasonPhrase ?? string.Empty;
        try
        {
            using var problem = JsonDocument.Parse(body);
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() ?? code : code;
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? detail : detail;
        }
        catch (JsonException)
        {
            // Not a problem document; keep the status.
        }

        return response.StatusCode == HttpStatusCode.ServiceUnavailable
            ? new FabricUnavailableException(detail)
            : new FabricApiException($"{(int)response.StatusCode} {code}: {detail}") { Code = code, Status = (int)response.StatusCode };
    }

    private static TimeSpan Grow(TimeSpan backoff) => backoff * 2 < s_maximumBackoff ? backoff * 2 : s_maximumBackoff;

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop sees the deadline and ends the call.
        }
    }
}
