using System.Text.Json;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// The receiving side of silo-to-silo calls: turns a call's wire form back into a request,
/// checks that this silo serves the grain's partition before anything runs ("not owner"
/// otherwise), runs it on the local activation and hands back the outcome.
/// </summary>
public sealed class ForwardedCalls
{
    private readonly SiloRuntime _runtime;
    private readonly ClusterDispatcher _dispatcher;
    private readonly Hosting.SiloState _silo;

    internal ForwardedCalls(SiloRuntime runtime, ClusterDispatcher dispatcher, Hosting.SiloState silo)
    {
        _runtime = runtime;
        _dispatcher = dispatcher;
        _silo = silo;
    }

    /// <summary>Another silo relays a drain request for this one: hand the partitions over.</summary>
    public void Drain() => _silo.RequestDrain();

    /// <summary>The options that (de)serialize arguments and results on this silo.</summary>
    public JsonSerializerOptions SerializerOptions => _runtime.SerializerOptions;

    /// <summary>
    /// Runs a forwarded call. Returns null when this silo does not serve the grain's partition
    /// (nothing ran); otherwise the completed request, whose <see cref="GrainRequest.Exception"/>
    /// or <see cref="GrainRequest.WriteResult"/> gives the outcome.
    /// </summary>
    /// <exception cref="ArgumentException">The grain type, method or arguments are not known here.</exception>
    public async Task<GrainRequest?> ExecuteAsync(string grainType, string key, string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var request = WireRequests.Create(grainType, method, arguments, _runtime.SerializerOptions, cancellationToken);
        var completion = request.CompletionAsync();
        if (!_dispatcher.TryDispatchForwarded(new GrainId(new GrainType(grainType), key), request))
        {
            return null;
        }

        await completion;
        return request;
    }
}
