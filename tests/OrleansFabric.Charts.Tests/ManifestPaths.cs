using System.Text.Json.Nodes;

namespace OrleansFabric.Charts.Tests;

/// <summary>Navigation in rendered manifests that fails with the path that is missing.</summary>
internal static class ManifestPaths
{
    /// <summary>The node at <paramref name="path"/> below <paramref name="node"/>; fails if any step is missing.</summary>
    public static JsonNode At(this JsonNode node, params string[] path)
    {
        var current = node;
        foreach (var step in path)
        {
            current = current[step] ?? throw new Xunit.Sdk.XunitException($"No '{step}' on the way to {string.Join('.', path)} in:\n{node.ToJsonString()}");
        }

        return current;
    }

    /// <summary>A scalar's text (every scalar of a rendered manifest is kept as text).</summary>
    public static string Text(this JsonNode node) => node.GetValue<string>();

    /// <summary>The texts of a sequence of scalars.</summary>
    public static string[] Texts(this JsonNode node) => [.. node.AsArray().Select(item => item!.Text())];
}
