using System.Text.Json;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>
/// Calls that external .NET clients make through a silo acting as their gateway: the call's
/// wire form (grain type, key, method, JSON arguments) becomes a request that this silo routes
/// like any of its own calls, to a local activation or to the partition's owner.
/// </summary>
public sealed class GatewayCalls
{
    private readonly SiloRuntime _runtime;

    internal GatewayCalls(SiloRuntime runtime) => _runtime = runtime;

    /// <summary>The options that (de)serialize arguments and results on this silo.</summary>
    public JsonSerializerOptions SerializerOptions => _runtime.SerializerOptions;

    /// <summary>Runs a call and returns the completed request (its exception or result is the outcome).</summary>
    /// <exception cref="ArgumentException">The grain type, method or arguments are not known here.</exception>
    public async Task<GrainRequest> ExecuteAsync(string grainType, string key, string method, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var request = WireRequests.Create(grainType, method, arguments, _runtime.SerializerOptions, cancellationToken);
        var completion = request.CompletionAsync();
        request.WatchCancellation();
        _runtime.Dispatcher.Dispatch(new GrainId(new GrainType(grainType), key), request);
        await completion;
        return request;
    }
}
