using System.Text.Json;
using System.Threading.Channels;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on a loopback port. Each request waits
/// until the test answers it, so a test controls timing and sees when a request is aborted.
/// </summary>
internal sealed class FakeChatCompletions : LoopbackEndpoint
{
    private readonly Channel<ChatRequest> _requests = Channel.CreateUnbounded<ChatRequest>();

    private FakeChatCompletions()
    {
    }

    /// <summary>The base URL a brain is configured with (<c>…/v1</c>).</summary>
    public Uri BaseUrl => new(Root + "/v1");

    public static async Task<FakeChatCompletions> StartAsync()
    {
        var fake = new FakeChatCompletions();
        await fake.ListenAsync("/v1/chat/completions", fake.HandleAsync);
        return fake;
    }

    /// <summary>Waits (at most 10 s) for the next request.</summary>
    public async Task<ChatRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var request = new ChatRequest(body.RootElement.Clone(), context.Request.Headers.Authorization.ToString(), TraceParentHeader.Of(context.Request));
        context.RequestAborted.Register(() => request.Aborted.TrySetResult());
        _requests.Writer.TryWrite(request);
        try
        {
            var (status, json) = await request.Answer.Task.WaitAsync(context.RequestAborted);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }
}

/// <summary>One request to <see cref="FakeChatCompletions"/> (with its <c>traceparent</c> header, if any).</summary>
internal sealed record ChatRequest(JsonElement Body, string Authorization, string? TraceParent = null)
{
    /// <summary>The trace id of <see cref="TraceParent"/>; null without a valid one.</summary>
    public string? TraceId => TraceParentHeader.TraceId(TraceParent);

    public TaskCompletionSource<(int Status, string Json)> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The (role, content) pairs of the request's messages.</summary>
    public IEnumerable<(string?, string?)> Messages =>
        Body.GetProperty("messages").EnumerateArray().Select(message => (message.GetProperty("role").GetString(), message.GetProperty("content").GetString()));

    public void Reply(string content) =>
        Answer.SetResult((200, JsonSerializer.Serialize(new { id = "chatcmpl-1", @object = "chat.completion", choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } } })));
}
