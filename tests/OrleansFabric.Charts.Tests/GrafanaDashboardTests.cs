using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansFabric.Charts.Tests;

/// <summary>The Grafana dashboard ConfigMap (grafana.dashboard.enabled) and the dashboard JSON in it.</summary>
public sealed partial class GrafanaDashboardTests(HelmFixture helm) : IClassFixture<HelmFixture>
{
    private const string Enabled = "grafana.dashboard.enabled=true";

    /// <summary>
    /// Families the dashboard reads beyond those of the alerts; ContainerImageTests finds each in
    /// a published silo's /metrics.
    /// </summary>
    internal static readonly string[] s_familiesBeyondAlerts = ["orleans_consistent_ring_size", "orleans_catalog_activations", "fabric_session_queue_depth", "fabric_batches", "fabric_batch_slots"];

    /// <summary>What the silo's /dashboard page shows: silos, activations, queues, turns, latency, batches and slots, brain backlog.</summary>
    private static readonly string[] s_pageFigures =
    [
        "orleans_consistent_ring_size", "orleans_catalog_activations", "fabric_session_queue_depth", "fabric_session_oldest_pending_seconds",
        "fabric_turns_total", "fabric_turn_duration_seconds", "fabric_message_response_seconds", "fabric_batches", "fabric_batch_slots", "fabric_brain_calls_waiting",
    ];

    [Theory]
    [InlineData("values.yaml")]
    [InlineData("values-production.yaml")]
    public async Task Dashboard_renders_only_when_enabled(string values)
    {
        Assert.DoesNotContain((await helm.RenderAsync(values)).OfKind("ConfigMap"), IsDashboard);

        var manifests = await helm.RenderAsync(values, "--set", Enabled, "--set", "grafana.dashboard.annotations.grafana_folder=Fabric");
        var configMap = Assert.Single(manifests.OfKind("ConfigMap"), IsDashboard);
        Assert.Equal(HelmFixture.Release + "-orleans-fabric-dashboard", configMap.At("metadata", "name").Text());
        Assert.Equal("Fabric", configMap.At("metadata", "annotations", "grafana_folder").Text());
        Assert.Equal("orleans-fabric.json", Assert.Single(configMap.At("data").AsObject()).Key);
    }

    [Fact]
    public async Task Dashboard_is_grafana_json_whose_panels_query_the_chosen_release()
    {
        var dashboard = await DashboardAsync();

        Assert.Equal("orleans-fabric", dashboard.At("uid").Text());
        var variables = dashboard.At("templating", "list").AsArray().Select(variable => variable!.At("name").Text()).ToList();
        Assert.Equal(["datasource", "namespace", "job"], variables);
        var panels = Panels(dashboard).ToList();
        Assert.True(panels.Count >= 15, $"only {panels.Count} panels");
        Assert.Equal(panels.Count, panels.Select(panel => panel.At("id").GetValue<int>()).Distinct().Count());
        foreach (var panel in panels)
        {
            Assert.Equal("${datasource}", panel.At("datasource", "uid").Text());
            var expressions = Expressions(panel).ToList();
            Assert.NotEmpty(expressions);
            foreach (var expression in expressions)
            {
                // Every selector names the release (and only aggregations reach the panel).
                Assert.Equal(MetricName().Count(expression), Selector().Count(expression));
            }
        }
    }

    [Fact]
    public async Task Dashboard_panels_read_families_the_silo_exports_or_the_alerts_use()
    {
        var manifests = await helm.RenderAsync("values-production.yaml", "--set", Enabled);
        var families = DashboardFamilies(manifests);
        var alerts = ChartTests.AlertFamilies(manifests);

        Assert.Empty(families.Except([.. alerts, .. s_familiesBeyondAlerts], StringComparer.Ordinal));
        Assert.Empty(s_pageFigures.Except(families, StringComparer.Ordinal));

        // Queue depth as the alert reads it, per session, besides the page's sum of the sessions.
        Assert.Contains("fabric_session_queue_depth_max", families);
    }

    [Fact]
    public async Task Dashboard_expressions_parse_as_promql()
    {
        var dashboard = await DashboardAsync();
        var rules = new JsonArray([.. Panels(dashboard).SelectMany(Expressions).Select((expression, index) => new JsonObject
        {
            ["record"] = $"dashboard:expression_{index}",
            ["expr"] = expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$namespace", "ns", StringComparison.Ordinal).Replace("$job", "job", StringComparison.Ordinal),
        })]);
        var file = Path.Combine(Path.GetTempPath(), $"orleansfabric-dashboard-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, new JsonObject { ["groups"] = new JsonArray(new JsonObject { ["name"] = "dashboard", ["rules"] = rules }) }.ToJsonString());
        try
        {
            var check = await ProcessRunner.RunAsync(Promtool.Path, ["check", "rules", file], TimeSpan.FromSeconds(60));
            Assert.True(check.ExitCode == 0, check.Describe());
            Assert.Contains($"SUCCESS: {rules.Count} rules found", check.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The metric families (without _bucket, _count, _sum) the dashboard's panels read.</summary>
    internal static IReadOnlyList<string> DashboardFamilies(Manifests manifests) =>
        [.. Panels(Dashboard(manifests)).SelectMany(Expressions).SelectMany(expression => MetricName().Matches(expression).Select(match => HistogramSuffix().Replace(match.Value, string.Empty))).Distinct()];

    private async Task<JsonNode> DashboardAsync() => Dashboard(await helm.RenderAsync("values.yaml", "--set", Enabled));

    private static JsonNode Dashboard(Manifests manifests) =>
        JsonNode.Parse(Assert.Single(manifests.OfKind("ConfigMap"), IsDashboard).At("data", "orleans-fabric.json").Text())
        ?? throw new Xunit.Sdk.XunitException("The dashboard JSON is null.");

    private static bool IsDashboard(JsonObject configMap) => configMap["metadata"]?["labels"]?["grafana_dashboard"]?.Text() == "1";

    /// <summary>The panels that show data (rows only group them).</summary>
    private static IEnumerable<JsonNode> Panels(JsonNode dashboard) =>
        dashboard.At("panels").AsArray().Select(panel => panel!).Where(panel => panel.At("type").Text() != "row");

    private static IEnumerable<string> Expressions(JsonNode panel) =>
        panel.At("targets").AsArray().Select(target => target!.At("expr").Text());

    [GeneratedRegex(@"\b(fabric|orleans)_[a-z_]+(?=\{)")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\{namespace=""\$namespace"",job=""\$job""[,}]")]
    private static partial Regex Selector();

    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();
}
