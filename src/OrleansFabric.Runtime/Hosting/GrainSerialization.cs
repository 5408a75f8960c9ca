using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Runtime.Hosting;

/// <summary>
/// The JSON options that carry grain arguments, results and state: the registered
/// source-generated contexts first, then metadata built once per type for anything else.
/// One instance per silo, shared by the runtime and the silo-to-silo transport.
/// </summary>
public sealed class GrainSerialization
{
    /// <summary>Builds the options from the registered contexts.</summary>
    public GrainSerialization(IEnumerable<IJsonTypeInfoResolver> contexts)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([.. contexts, new DefaultJsonTypeInfoResolver()]),
        };
        options.MakeReadOnly();
        Options = options;
    }

    /// <summary>The options.</summary>
    public JsonSerializerOptions Options { get; }
}
