using System.Diagnostics;
using System.Text;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// An OTLP/HTTP collector on a loopback port: it accepts <c>POST /v1/traces</c> (answering an
/// empty <c>ExportTraceServiceResponse</c>) and keeps each body as it came, unparsed.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<OtlpExport> _exports = [];
    private readonly List<(Func<OtlpExport, bool> Match, TaskCompletionSource<OtlpExport> Found)> _waiting = [];

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>What <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set to (the exporter appends <c>/v1/traces</c>).</summary>
    public Uri Endpoint => new(_app.Urls.First());

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Returns the first export, received so far or from now on (at most 30 s), that <paramref name="match"/> accepts.</summary>
    public async Task<OtlpExport> WaitForAsync(Func<OtlpExport, bool> match, string what)
    {
        var found = new TaskCompletionSource<OtlpExport>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_exports)
        {
            if (_exports.FirstOrDefault(match) is { } export)
            {
                return export;
            }

            _waiting.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            lock (_exports)
            {
                throw new TimeoutException($"No export {what} within 30 s ({_exports.Count} exports received).");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var export = new OtlpExport(context.Request.ContentType, body.ToArray());
        lock (_exports)
        {
            _exports.Add(export);
            foreach (var waiting in _waiting.Where(waiting => waiting.Match(export)).ToList())
            {
                waiting.Found.TrySetResult(export);
                _waiting.Remove(waiting);
            }
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }
}

/// <summary>One <c>POST /v1/traces</c> that <see cref="OtlpReceiver"/> got, its protobuf body unparsed.</summary>
internal sealed record OtlpExport(string? ContentType, byte[] Body)
{
    /// <summary>True when the body holds the 16 bytes of <paramref name="traceId"/> (a span's <c>trace_id</c> field).</summary>
    public bool Holds(ActivityTraceId traceId)
    {
        Span<byte> id = stackalloc byte[16];
        traceId.CopyTo(id);
        return Body.AsSpan().IndexOf(id) >= 0;
    }

    /// <summary>True when the body holds <paramref name="text"/> in UTF-8 (a span's name, an attribute's value).</summary>
    public bool Holds(string text) => Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
