using System.Text.Json;
using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>Turns a call's wire form (grain type, method, JSON argument array) back into a request.</summary>
internal static class WireRequests
{
    /// <exception cref="ArgumentException">The grain type or method is not hosted here, or the arguments do not fit.</exception>
    public static GrainRequest Create(string grainType, string method, ReadOnlyMemory<byte> arguments, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        if (!GrainInterfaceRegistry.TryGet(new GrainType(grainType), out var descriptor) || !descriptor.RequestFactories.TryGetValue(method, out var factory))
        {
            throw new ArgumentException($"Grain method '{grainType}.{method}' is not hosted by this silo.", nameof(method));
        }

        var request = factory();
        try
        {
            var reader = new Utf8JsonReader(arguments.Span);
            request.ReadArguments(ref reader, options);
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"The arguments of '{grainType}.{method}' could not be read: {exception.Message}", nameof(arguments), exception);
        }

        request.CancellationToken = cancellationToken;
        return request;
    }
}
