using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The objects `helm template` rendered, as JSON trees (scalars kept as text, as YAML wrote
/// them), with shortcuts to the silo Deployment's parts.
/// </summary>
internal sealed class Manifests
{
    private Manifests(IReadOnlyList<JsonObject> objects) => Objects = objects;

    public IReadOnlyList<JsonObject> Objects { get; }

    public JsonObject Deployment => Single("Deployment");

    public JsonNode PodSpec => Deployment.At("spec", "template", "spec");

    /// <summary>The silo container, the pod's only one.</summary>
    public JsonNode SiloContainer => Assert.Single(PodSpec.At("containers").AsArray())!;

    /// <summary>The silo container's environment by variable name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Env =>
        SiloContainer.At("env").AsArray().Select(variable => variable!.AsObject()).ToDictionary(variable => variable.At("name").Text(), StringComparer.Ordinal);

    public static Manifests Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new Manifests([.. stream.Documents.Select(document => document.RootNode).OfType<YamlMappingNode>().Select(root => ToJson(root)!.AsObject())]);
    }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(item => item["kind"]?.Text() == kind);

    public JsonObject Single(string kind) => Assert.Single(OfKind(kind));

    /// <summary>The Service named <paramref name="name"/>.</summary>
    public JsonObject Service(string name) => Assert.Single(OfKind("Service"), service => service.At("metadata", "name").Text() == name);

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(pair => KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };
}
