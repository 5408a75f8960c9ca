using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// A brain backed by an OpenAI-compatible chat-completions endpoint
/// (<c>POST {BaseUrl}/chat/completions</c>). The conversation history goes as alternating
/// user and assistant messages, the turn's messages as the last user message (one line
/// each). Cancelling the turn aborts the HTTP request; an attempt that takes longer than
/// <see cref="OpenAiOptions.TimeoutSeconds"/> fails (and the session retries it).
/// </summary>
public sealed class OpenAiBrain : IBrain, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly OpenAiOptions _options;
    private readonly Uri _endpoint;
    private readonly HttpClient _client;

    /// <summary>Creates the brain; it owns its <see cref="HttpClient"/>.</summary>
    public OpenAiBrain(OpenAiOptions options)
        : this(options, new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }))
    {
    }

    /// <summary>Creates the brain on <paramref name="client"/> (which it disposes).</summary>
    public OpenAiBrain(OpenAiOptions options, HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        var baseUrl = options.BaseUrl ?? throw new ArgumentException("Brain:OpenAi:BaseUrl is required.", nameof(options));
        _options = options;
        _endpoint = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions");
        _client = client;
        _client.Timeout = Timeout.InfiniteTimeSpan; // each request carries its own deadline
    }

    /// <inheritdoc/>
    public async Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(RequestBody(input).ToJsonString(), Encoding.UTF8) { Headers = { ContentType = Json } },
        };
        if (Environment.GetEnvironmentVariable(_options.ApiKeyVariable) is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            using var response = await _client.SendAsync(request, attempt.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"The chat-completions endpoint answered {(int)response.StatusCode}: {Truncate(body)}", null, response.StatusCode);
            }

            return new BrainReply(ReadContent(body));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The chat-completions endpoint did not answer within {_options.TimeoutSeconds} s.");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private JsonObject RequestBody(BrainInput input)
    {
        var messages = new JsonArray();
        if (!string.IsNullOrEmpty(_options.SystemPrompt))
        {
            messages.Add(Message("system", _options.SystemPrompt));
        }

        foreach (var exchange in input.History)
        {
            messages.Add(Message("user", string.Join('\n', exchange.UserTexts)));
            messages.Add(Message("assistant", exchange.Response));
        }

        messages.Add(Message("user", string.Join('\n', input.Messages.Select(message => message.Text))));
        return new JsonObject { ["model"] = _options.Model, ["messages"] = messages };
    }

    private static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static string ReadContent(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("choices", out var choices)
                && choices.ValueKind == JsonValueKind.Array
                && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("message", out var message)
                && message.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String)
            {
                return content.GetString()!;
            }
        }
        catch (JsonException)
        {
            // fall through: reported below with the body
        }

        throw new InvalidOperationException($"The chat-completions answer has no choices[0].message.content: {Truncate(body)}");
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 300), "…");
}
