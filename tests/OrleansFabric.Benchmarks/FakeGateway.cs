using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The silo's outside world in the sessions benchmark, in this process on 127.0.0.1: an
/// OpenAI-compatible <c>/v1/chat/completions</c> whose answer takes as long as the scenario's
/// <see cref="BrainModel"/> says (the silo runs its <c>openai</c> brain against it), and the
/// gateway's webhook, which notes when each message's answer arrived and in which turn.
/// </summary>
internal sealed class FakeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, long> _answeredAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _turns = new(StringComparer.Ordinal);
    private BrainModel? _brain;

    private FakeGateway(WebApplication app) => _app = app;

    /// <summary>When (Stopwatch timestamp) each message id was first answered.</summary>
    public IReadOnlyDictionary<string, long> AnsweredAt => _answeredAt;

    /// <summary>The base URL of the chat-completions endpoint (<c>…/v1</c>).</summary>
    public Uri BrainUrl => new(_app.Urls.First() + "/v1");

    /// <summary>The webhook URL.</summary>
    public Uri WebhookUrl => new(_app.Urls.First() + "/answers");

    public static async Task<FakeGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var gateway = new FakeGateway(app);
        app.MapPost("/v1/chat/completions", gateway.CompleteAsync);
        app.MapPost("/answers", gateway.AnswerAsync);
        await app.StartAsync();
        return gateway;
    }

    /// <summary>The brain model of the next scenario; answers are forgotten.</summary>
    public void Reset(BrainModel brain)
    {
        _brain = brain;
        _answeredAt.Clear();
        _turns.Clear();
    }

    /// <summary>The most turns that answered one session's messages.</summary>
    public int MaxTurnsPerSession => _turns.IsEmpty ? 0 : _turns.Values.Max(turns => turns.Count);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task CompleteAsync(HttpContext context)
    {
        // The benchmark sends "<session key>|<message id>" as each message's text; the turn's
        // messages are the last user message, one per line.
        using var request = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        var last = request.RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString() ?? string.Empty;
        var session = last.Split('\n')[0].Split('|')[0];
        await Task.Delay(_brain!.NextTurn(session), context.RequestAborted);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"choices":[{"message":{"role":"assistant","content":"answer"}}]}""", context.RequestAborted);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var now = Stopwatch.GetTimestamp();
        using var answer = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        var root = answer.RootElement;
        var session = root.GetProperty("session_key").GetString()!;
        _turns.GetOrAdd(session, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal)).TryAdd(root.GetProperty("turn_id").GetString()!, 0);
        foreach (var id in root.GetProperty("message_ids").EnumerateArray())
        {
            _answeredAt.TryAdd($"{session}|{id.GetString()}", now);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
