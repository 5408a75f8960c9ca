using System.Diagnostics;
using System.Text;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// An OTLP/HTTP collector on a loopback port: it accepts <c>POST /v1/traces</c> (answering an
/// empty <c>ExportTraceServiceResponse</c>) and keeps each body as it came, unparsed.
/// </summary>
internal sealed class OtlpReceiver : LoopbackEndpoint
{
    private readonly List<OtlpExport> _exports = [];
    private readonly List<(Func<OtlpExport, bool> Match, TaskCompletionSource<OtlpExport> Found)> _waiting = [];

    private OtlpReceiver()
    {
    }

    /// <summary>What <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set to (the exporter appends <c>/v1/traces</c>).</summary>
    public Uri Endpoint => new(Root);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        await receiver.ListenAsync("/v1/traces", receiver.HandleAsync);
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
