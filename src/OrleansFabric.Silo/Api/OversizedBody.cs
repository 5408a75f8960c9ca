using Microsoft.AspNetCore.Http.Features;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Makes a 413 readable by a client that is still sending. A server that answers and closes
/// while request bytes are still arriving makes the client's TCP stack see a reset, and most
/// clients then report a connection error instead of the answer. So an oversized body is read
/// and thrown away, up to <see cref="DrainLimitBytes"/> and <see cref="DrainTime"/>, before the
/// 413 is written; only a body past those bounds gets its 413 with <c>Connection: close</c>
/// (which may still reach the client as a reset).
/// </summary>
internal static class OversizedBody
{
    /// <summary>The most request bytes read (and discarded) to answer an oversized body cleanly.</summary>
    public const long DrainLimitBytes = 16 * 1024 * 1024;

    /// <summary>The longest time spent discarding an oversized body.</summary>
    public static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Call before the first read of a body that the caller limits to <see cref="RequestRules.MaxBodyBytes"/>
    /// itself: lets Kestrel deliver up to <see cref="DrainLimitBytes"/>, so that a body found too
    /// large can be discarded to its end instead of failing the connection.
    /// </summary>
    public static void AllowDrain(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = DrainLimitBytes;
        }
    }

    /// <summary>
    /// Reads and discards the rest of the request body. True when it ended within the bounds;
    /// otherwise the response is marked <c>Connection: close</c> and false is returned.
    /// </summary>
    public static async Task<bool> DrainAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(DrainTime);
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(deadline.Token);
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or BadHttpRequestException or IOException)
        {
            // Past the time or size bound (Kestrel's limit), or the client went away.
            context.Response.Headers.Connection = "close";
            return false;
        }
    }

    /// <summary>
    /// Answers a request that announces a body over <see cref="RequestRules.MaxBodyBytes"/> with
    /// 413 <c>payload_too_large</c>, after discarding the body when it announces at most
    /// <see cref="DrainLimitBytes"/>; none of it is handed to an endpoint.
    /// </summary>
    public static async Task RefuseAnnouncedAsync(HttpContext context)
    {
        await DiscardAnnouncedAsync(context);
        await Problems.WriteAsync(context, ErrorCodes.PayloadTooLarge, $"Request bodies are at most {RequestRules.MaxBodyBytes} bytes (this one announces {context.Request.ContentLength}).");
    }

    /// <summary>
    /// Before a 413 for a body whose Content-Length is over the limit: discards the body when it
    /// announces at most <see cref="DrainLimitBytes"/>, else marks the response <c>Connection: close</c>.
    /// </summary>
    public static async Task DiscardAnnouncedAsync(HttpContext context)
    {
        if (context.Request.ContentLength <= DrainLimitBytes)
        {
            AllowDrain(context);
            await DrainAsync(context);
        }
        else
        {
            context.Response.Headers.Connection = "close";
        }
    }
}
