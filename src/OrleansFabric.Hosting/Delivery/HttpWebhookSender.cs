using System.Net.Http.Headers;
using System.Text;

namespace OrleansFabric.Hosting.Delivery;

/// <summary>Sends outbox messages with one pooled <see cref="HttpClient"/> per silo.</summary>
public sealed class HttpWebhookSender : IWebhookSender, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        // Receivers move (DNS, deployments): do not hold one connection forever.
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        // Each attempt carries its own deadline (DeliveryOptions.TimeoutSeconds).
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <inheritdoc/>
    public async Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(message.Body)) { Headers = { ContentType = Json } },
        };
        request.Headers.Add("Idempotency-Key", message.IdempotencyKey);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}
