using OrleansFabric.Invocation;

namespace OrleansFabric.Client;

/// <summary>
/// Typed grain references for external .NET services:
/// <c>client.GetGrain&lt;IEssayBatchGrain&gt;("batch-42").ProvisionContentAsync(...)</c>, with the
/// same interfaces and types the silos use. Calls go over HTTP to any gateway silo, which routes
/// them to the grain's owner. The client fails over between gateways and retries only what
/// certainly did not run (connection refused, 503 unavailable); anything else is reported,
/// never repeated. Thread-safe; create one per process.
/// </summary>
public sealed class FabricClient : IGrainFactory, IDisposable
{
    private readonly GatewayInvoker _invoker;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the HTTP handler (tests, proxies).</summary>
    public FabricClient(FabricClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Gateways.Count == 0)
        {
            throw new ArgumentException("At least one gateway address is required.", nameof(options));
        }

        _invoker = new GatewayInvoker(options, handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), PooledConnectionLifetime = TimeSpan.FromMinutes(5), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1) });
    }

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        var descriptor = GrainInterfaceRegistry.Get(typeof(TGrainInterface));
        return (TGrainInterface)(object)descriptor.CreateReference(new GrainId(descriptor.GrainType, key), _invoker);
    }

    /// <inheritdoc/>
    public void Dispose() => _invoker.Dispose();
}
