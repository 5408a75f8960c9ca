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
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<WebhookRequest> _requests = Channel.CreateUnbounded<WebhookRequest>();

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Statuses to answer before answering 200.</summary>
    public ConcurrentQueue<int> Statuses { get; } = new();

    /// <summary>The URL to configure as the webhook.</summary>
    public Uri Url => new(_app.Urls.First() + "/hook");

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>, default 10 s) for the next request.</summary>
    public async Task<WebhookRequest> NextAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _requests.Reader.ReadAsync(limit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
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
