using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Clustering;

namespace OrleansFabric.TestKit;

/// <summary>
/// Carries silo-to-silo calls between silos in one process, through the same wire form the
/// HTTP transport uses (arguments, results and exceptions as JSON), so routing and
/// serialization are exercised without sockets.
/// </summary>
public sealed class InProcessTransport : ISiloTransport
{
    private readonly ConcurrentDictionary<string, ForwardedCalls> _silos = new();
    private readonly ConcurrentDictionary<string, bool> _unreachable = new();

    /// <summary>Makes a silo reachable at <paramref name="endpoint"/>.</summary>
    public void Register(string endpoint, ForwardedCalls calls) => _silos[endpoint] = calls;

    /// <summary>Makes calls to <paramref name="endpoint"/> fail as unreachable (or reachable again).</summary>
    public void SetUnreachable(string endpoint, bool unreachable) => _unreachable[endpoint] = unreachable;

    public Task<bool> RequestDrainAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (_unreachable.GetValueOrDefault(endpoint) || !_silos.TryGetValue(endpoint, out var silo))
        {
            return Task.FromResult(false);
        }

        silo.Drain();
        return Task.FromResult(true);
    }

    public async Task<ForwardResult> ForwardAsync(string endpoint, GrainId target, GrainRequest request, long expectedEpoch, CancellationToken cancellationToken)
    {
        if (_unreachable.GetValueOrDefault(endpoint) || !_silos.TryGetValue(endpoint, out var silo))
        {
            return ForwardResult.Unreachable;
        }

        var arguments = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(arguments))
        {
            request.WriteArguments(writer, silo.SerializerOptions);
        }

        GrainRequest? executed;
        try
        {
            executed = await silo.ExecuteAsync(target.Type.Name, target.Key, request.Method.Name, arguments.WrittenMemory, cancellationToken);
        }
        catch (ArgumentException exception)
        {
            request.Fail(new GrainCallException(exception.Message) { RemoteType = exception.GetType().FullName });
            return ForwardResult.Completed;
        }

        if (executed is null)
        {
            return ForwardResult.NotOwner;
        }

        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body))
        {
            if (executed.Exception is { } exception)
            {
                GrainExceptionCodec.Write(writer, exception);
            }
            else
            {
                executed.WriteResult(writer, silo.SerializerOptions);
            }
        }

        if (executed.Exception is not null)
        {
            using var document = JsonDocument.Parse(body.WrittenMemory);
            request.Fail(GrainExceptionCodec.Read(document.RootElement));
        }
        else
        {
            var reader = new Utf8JsonReader(body.WrittenSpan);
            reader.Read();
            request.CompleteFromJson(ref reader, silo.SerializerOptions);
        }

        return ForwardResult.Completed;
    }
}
