using System.Net;

namespace OrleansFabric.Invocation;

/// <summary>
/// A request body that remembers whether any attempt started sending it. HttpClient may
/// re-send a request on a new connection after the first one died, and then report the
/// second attempt's "connection refused" as a connection error; only a body that was never
/// sent proves the call did not reach a silo, so only then may it be sent again elsewhere.
/// </summary>
internal sealed class SendTrackingContent(ReadOnlyMemory<byte> body) : HttpContent
{
    private int _sent;

    /// <summary>True once any attempt began writing the body.</summary>
    public bool WasSent => Volatile.Read(ref _sent) == 1;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _sent, 1);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
