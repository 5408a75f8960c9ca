using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using OrleansFabric.Sessions;

namespace OrleansFabric.Silo.Tests;

[Collection(RunsAlone.Name)]
public sealed class MetricsTests
{
    /// <summary>The values of the status label of <c>fabric_batches</c> and <c>fabric_batch_slots</c>.</summary>
    private static readonly string[] s_batchStatuses = ["collecting", "completed", "timed_out"];

    [Fact]
    public async Task Metrics_expose_Orleans_runtime_and_fabric_series_in_the_Prometheus_text_format_and_pass_promtool_check_metrics()
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
        Assert.Contains("# TYPE dotnet_gc_last_collection_heap_size_bytes gauge\n", text, StringComparison.Ordinal);
        Assert.Contains(Series(text, "dotnet_gc_last_collection_heap_size_bytes"), line => line.Contains("gc_heap_generation=\"gen2\"", StringComparison.Ordinal) && Value(line) > 0);
        await Promtool.AssertAcceptsAsync(Families(text, "fabric_"));

        // Orleans' and .NET's own names (e.g. dotnet_process_cpu_count) are theirs to lint.
        await Promtool.AssertAcceptsAsync(text, lintTolerated: metric => metric.StartsWith("orleans_", StringComparison.Ordinal) || metric.StartsWith("dotnet_", StringComparison.Ordinal));
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

    [Fact]
    public async Task Batch_outcome_and_dead_letter_counters_are_exported_at_zero_from_start_up_and_count_each_call()
    {
        await using var silo = await RunningSilo.StartAsync();
        string[] assignments = ["assigned", "already_assigned", "no_slot_available", "batch_closed"];
        string[] failures = ["recorded", "duplicate", "batch_closed"];

        var fresh = await silo.Client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE fabric_batch_assignments_total counter\n", fresh, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_batch_validation_failures_total counter\n", fresh, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_webhook_dead_lettered_total counter\n", fresh, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_batches_timed_out_total counter\n", fresh, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_batches gauge\n", fresh, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_batch_slots gauge\n", fresh, StringComparison.Ordinal);
        Assert.All(assignments, outcome => Assert.Equal(0, Labelled(fresh, "fabric_batch_assignments_total", "outcome", outcome)));
        Assert.All(failures, outcome => Assert.Equal(0, Labelled(fresh, "fabric_batch_validation_failures_total", "outcome", outcome)));
        Assert.Equal(0, Labelled(fresh, "fabric_webhook_dead_lettered_total", "kind", "session"));
        Assert.Equal(0, Labelled(fresh, "fabric_webhook_dead_lettered_total", "kind", "batch"));
        Assert.Equal(0, Value(Assert.Single(Series(fresh, "fabric_batches_timed_out_total"))));
        Assert.Equal([0, 0, 0], s_batchStatuses.Select(status => Labelled(fresh, "fabric_batches", "status", status)));
        Assert.Equal(s_batchStatuses.Length * 3, Series(fresh, "fabric_batch_slots").Length);
        Assert.All(Series(fresh, "fabric_batch_slots"), line => Assert.Equal(0, Value(line)));
        await Promtool.AssertAcceptsAsync(Families(fresh, "fabric_"));

        using var registered = await silo.PutAsync("/v1/batches/m1", "{\"expected_essay_ids\":[\"e1\",\"e2\"]}");
        using var assigned = await silo.PostAsync("/v1/batches/m1/content", "{\"text_storage_id\":\"ts-1\"}");
        using var again = await silo.PostAsync("/v1/batches/m1/content", "{\"text_storage_id\":\"ts-1\"}");
        using var recorded = await silo.PostAsync("/v1/batches/m1/validation-failures", "{\"failure_id\":\"f-1\"}");
        using var duplicate = await silo.PostAsync("/v1/batches/m1/validation-failures", "{\"failure_id\":\"f-1\"}");
        using var closed = await silo.PostAsync("/v1/batches/m1/validation-failures", "{\"failure_id\":\"f-2\"}");
        using var excess = await silo.PostAsync("/v1/batches/m1/content", "{\"text_storage_id\":\"ts-2\"}");
        Assert.Equal(
            [HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.Conflict],
            new[] { registered, assigned, again, recorded, duplicate, closed, excess }.Select(response => response.StatusCode));

        // The exporter may answer from its scrape cache for a moment: read until the counts show.
        var counted = await ScrapeUntilAsync(silo, text => Labelled(text, "fabric_batch_validation_failures_total", "outcome", "batch_closed") == 1);
        Assert.Equal([1, 1, 1, 0], assignments.Select(outcome => Labelled(counted, "fabric_batch_assignments_total", "outcome", outcome)));
        Assert.Equal([1, 1, 1], failures.Select(outcome => Labelled(counted, "fabric_batch_validation_failures_total", "outcome", outcome)));

        // The batch completed (one essay in, one failed): no timeout.
        Assert.Equal([0, 1, 0], s_batchStatuses.Select(status => Labelled(counted, "fabric_batches", "status", status)));
        Assert.Equal(0, Value(Assert.Single(Series(counted, "fabric_batches_timed_out_total"))));
    }

    private static async Task<string> ScrapeUntilAsync(RunningSilo silo, Func<string, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var text = await silo.Client.GetStringAsync("/metrics");
            if (condition(text))
            {
                return text;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("The counts did not show in /metrics within 10 s:\n" + text);
            }

            await Task.Yield();
        }
    }

    /// <summary>The value of the one sample of <paramref name="name"/> with <paramref name="label"/>=<paramref name="value"/>.</summary>
    private static double Labelled(string text, string name, string label, string value) =>
        Value(Assert.Single(Series(text, name), line => line.Contains($"{label}=\"{value}\"", StringComparison.Ordinal)));

    /// <summary>The sample lines of metric <paramref name="name"/> (exactly that name, any labels).</summary>
    internal static string[] Series(string text, string name) =>
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
    internal static double Value(string line)
    {
        var afterLabels = line[(line.LastIndexOf('}') + 1)..].Trim();
        return double.Parse(afterLabels.Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
