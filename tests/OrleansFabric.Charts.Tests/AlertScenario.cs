using System.Text.Json.Nodes;

namespace OrleansFabric.Charts.Tests;

/// <summary>
/// Synthetic series (one sample a minute, in promtool's expanding notation) and the alerts of
/// one name expected to fire after ten minutes: one per severity, each with
/// <paramref name="Labels"/> and its <c>severity</c>.
/// </summary>
internal sealed record AlertScenario(
    string Name,
    string Alert,
    IReadOnlyList<string> Severities,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<(string Series, string Values)> Series)
{
    /// <summary>The minute of the evaluation: past the 5-minute window and the 5-minute `for`.</summary>
    public const string EvalTime = "10m";

    /// <summary>A promtool rule test file with this scenario, reading the rule groups in <paramref name="ruleFile"/>.</summary>
    public JsonObject ToPromtoolTest(string ruleFile) => new()
    {
        ["rule_files"] = new JsonArray(ruleFile),
        ["evaluation_interval"] = "1m",
        ["tests"] = new JsonArray(new JsonObject
        {
            ["name"] = Name,
            ["interval"] = "1m",
            ["input_series"] = new JsonArray([.. Series.Select(series => new JsonObject { ["series"] = series.Series, ["values"] = series.Values })]),
            ["alert_rule_test"] = new JsonArray(new JsonObject
            {
                ["eval_time"] = EvalTime,
                ["alertname"] = Alert,
                ["exp_alerts"] = new JsonArray([.. Severities.Select(severity => new JsonObject
                {
                    ["exp_labels"] = new JsonObject([.. Labels.Select(pair => KeyValuePair.Create<string, JsonNode?>(pair.Key, pair.Value)), KeyValuePair.Create<string, JsonNode?>("severity", severity)]),
                })]),
            }),
        }),
    };
}
