using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using OrleansFabric.Sessions;

namespace OrleansFabric.Silo.Tests;

[Collection(RunsAlone.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_expose_Orleans_and_fabric_series_in_the_Prometheus_text_format_and_pass_promtool_check_metrics()
    {
        var tenant = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var silo = await RunningSilo.StartAsync(new() { ["Fabric:Sessions:DefaultStrategy"] = "queue" });
        for (var i = 0; i < 5; i++)
        {
            await silo.Grains.GetGrain<IPingGrain>($"p{i % 2}").PingAsync("x");
        }

        using var accepted = await silo.PostAsync("/v1/messages", $$"""{"message_id":"m1","tenant_id":"{{tenant}}","agent_id":"a","interlocutor_id":"u1","channel":"custom","text":"hi"}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await silo.GetUntilAsync($"/v1/sessions/{tenant}%3Aa%3Au1%3Acustom/turns", turns => turns.GetArrayLength() == 1, "the turn");

        using var response = await silo.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_turns_total counter\n", text, StringComparison.Ordinal);
        var turns = Series(text, "fabric_turns_total").Single(line => line.Contains($"tenant=\"{tenant}\"", StringComparison.Ordinal));
        Assert.Contains($"otel_scope_name=\"{SessionMetrics.MeterName}\"", turns, StringComparison.Ordinal);
        Assert.Contains("status=\"completed\"", turns, StringComparison.Ordinal);
        Assert.Equal(1, Value(turns));
        Assert.Contains("# TYPE fabric_turn_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains(Series(text, "fabric_turn_duration_seconds_count"), line => Value(line) == 1);
        Assert.Contains("# TYPE orleans_", text, StringComparison.Ordinal);
        Assert.Contains(text.Split('\n'), line => line.StartsWith("orleans_", StringComparison.Ordinal) && line.Contains("otel_scope_name=\"Microsoft.Orleans\"", StringComparison.Ordinal));
        await Promtool.AssertAcceptsAsync(Families(text, "fabric_"));
        await Promtool.AssertAcceptsAsync(text, lintTolerated: metric => metric.StartsWith("orleans_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Meters_other_than_Orleans_and_the_fabric_ones_are_not_exported()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var foreign = new Meter($"Other.Library.{suffix}");
        await using var silo = await RunningSilo.StartAsync();
        foreign.CreateCounter<long>($"foreign_{suffix}_total").Add(1);

        var text = await silo.Client.GetStringAsync("/metrics");

        Assert.DoesNotContain($"foreign_{suffix}", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE orleans_", text, StringComparison.Ordinal);
    }

    /// <summary>The sample lines of metric <paramref name="name"/> (exactly that name, any labels).</summary>
    private static string[] Series(string text, string name) =>
        [.. text.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))];

    /// <summary>The metric families of <paramref name="text"/> whose names start with <paramref name="prefix"/>, comments included.</summary>
    private static string Families(string text, string prefix)
    {
        var lines = text.Split('\n').Where(line =>
            line.StartsWith(prefix, StringComparison.Ordinal)
            || line.StartsWith("# HELP " + prefix, StringComparison.Ordinal)
            || line.StartsWith("# TYPE " + prefix, StringComparison.Ordinal)
            || line.StartsWith("# UNIT " + prefix, StringComparison.Ordinal));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The value of a sample line (the field after the labels; a timestamp may follow).</summary>
    private static double Value(string line)
    {
        var afterLabels = line[(line.LastIndexOf('}') + 1)..].Trim();
        return double.Parse(afterLabels.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
