using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansFabric.TestKit;

/// <summary>
/// A webhook endpoint on a loopback port: it answers the statuses queued in
/// <see cref="Statuses"/> (then 200) and records every request it got.
/// </summary>
public sealed class WebhookReceiver : LoopbackEndpoint
{
    private readonly Channel<WebhookRequest> _requests = Channel.CreateUnbounded<WebhookRequest>();

    private WebhookReceiver()
    {
    }

    /// <summary>Statuses to answer before answering 200.</summary>
    public ConcurrentQueue<int> Statuses { get; } = new();

    /// <summary>The URL to configure as the webhook.</summary>
    public Uri Url => new(Root + "/hook");

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.ListenAsync("/hook", receiver.HandleAsync);
        return receiver;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>, default 10 s) for the next request.</summary>
    public async Task<WebhookRequest> NextAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _requests.Reader.ReadAsync(limit.Token);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var status = Statuses.TryDequeue(out var queued) ? queued : StatusCodes.Status200OK;
        _requests.Writer.TryWrite(new WebhookRequest(context.Request.Headers["Idempotency-Key"].ToString(), context.Request.ContentType, body.RootElement.Clone(), status, TraceParentHeader.Of(context.Request)));
        context.Response.StatusCode = status;
    }
}

/// <summary>A request <see cref="WebhookReceiver"/> got (with its <c>traceparent</c> header, if any), and what it answered.</summary>
public sealed record WebhookRequest(string IdempotencyKey, string? ContentType, JsonElement Body, int Answered, string? TraceParent = null)
{
    /// <summary>The trace id of <see cref="TraceParent"/>; null without a valid one.</summary>
    public string? TraceId => TraceParentHeader.TraceId(TraceParent);
}
