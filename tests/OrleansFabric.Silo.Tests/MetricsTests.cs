using System.Diagnostics.Metrics;
using System.Net;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Silo.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_grain_calls_and_pass_promtool_check_metrics()
    {
        await using var silo = await RunningSilo.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await silo.Grains.GetGrain<IPingGrain>($"p{i % 2}").PingAsync("x");
        }

        using var response = await silo.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE fabric_grain_calls_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_calls_total{grain_type=\"ping\",outcome=\"ok\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_activations gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_activations{grain_type=\"ping\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_grain_call_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_call_duration_seconds_bucket{grain_type=\"ping\",le=\"5E-05\"} ", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_call_duration_seconds_bucket{grain_type=\"ping\",le=\"+Inf\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_call_duration_seconds_count{grain_type=\"ping\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("\nprocess_resident_memory_bytes ", text, StringComparison.Ordinal);
        Assert.Contains("\ndotnet_gc_heap_bytes ", text, StringComparison.Ordinal);
        await Promtool.AssertAcceptsAsync(text);
    }

    [Fact]
    public async Task A_counter_on_any_OrleansFabric_meter_is_exported_and_other_meters_are_not()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var ours = new Meter($"OrleansFabric.Test.{suffix}");
        using var foreign = new Meter($"Other.Library.{suffix}");
        await using var silo = await RunningSilo.StartAsync();
        ours.CreateCounter<long>($"test_{suffix}_total", description: "A test counter.").Add(3, new KeyValuePair<string, object?>("kind", "a"));
        foreign.CreateCounter<long>($"foreign_{suffix}_total").Add(1);

        var text = await silo.Client.GetStringAsync("/metrics");

        Assert.Contains($"# HELP test_{suffix}_total A test counter.\n# TYPE test_{suffix}_total counter\ntest_{suffix}_total{{kind=\"a\"}} 3\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"foreign_{suffix}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_silo_in_a_process_exports_only_its_own_runtime_meters()
    {
        await using var busy = await RunningSilo.StartAsync();
        await using var idle = await RunningSilo.StartAsync();
        await busy.Grains.GetGrain<IPingGrain>("one").PingAsync("x");

        var busyText = await busy.Client.GetStringAsync("/metrics");
        var idleText = await idle.Client.GetStringAsync("/metrics");

        Assert.Contains("fabric_grain_calls_total{grain_type=\"ping\",outcome=\"ok\"} 1\n", busyText, StringComparison.Ordinal);
        Assert.DoesNotContain("grain_type=\"ping\"", idleText, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_grain_calls_total counter\n", idleText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_are_escaped_histograms_are_cumulative_and_counters_end_in_total()
    {
        using var meter = new Meter("OrleansFabric.Test.Escaping");
        using var exporter = new PrometheusExporter(meterFilter: name => name == meter.Name);
        var counter = meter.CreateCounter<long>("requests", description: "Requests\nseen \\ counted.");
        var histogram = meter.CreateHistogram<double>("latency_seconds", unit: "s", description: "Latency.", tags: null, advice: new() { HistogramBucketBoundaries = [0.1, 1] });

        counter.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        histogram.Record(0.05);
        histogram.Record(0.1);
        histogram.Record(0.5);
        histogram.Record(5);
        var text = exporter.Scrape();

        Assert.Contains("# HELP requests_total Requests\\nseen \\\\ counted.\n# TYPE requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("requests_total{path=\"a\\\"b\\\\c\\nd\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("latency_seconds_bucket{le=\"0.1\"} 2\nlatency_seconds_bucket{le=\"1\"} 3\nlatency_seconds_bucket{le=\"+Inf\"} 4\nlatency_seconds_sum 5.65\nlatency_seconds_count 4\n", text, StringComparison.Ordinal);
        await Promtool.AssertAcceptsAsync(text);
    }

    [Fact]
    public async Task Gauges_keep_the_last_value_up_down_counters_sum_and_observables_are_read_at_scrape_time()
    {
        using var meter = new Meter("OrleansFabric.Test.Kinds");
        using var exporter = new PrometheusExporter(meterFilter: name => name == meter.Name);
        var gauge = meter.CreateGauge<double>("temperature_celsius");
        var queue = meter.CreateUpDownCounter<long>("queue_depth");
        var observed = 7L;
        meter.CreateObservableGauge("observed_items", () => observed);
        meter.CreateObservableCounter("observed_events_total", () => observed * 10);
        meter.CreateHistogram<long>("sizes_bytes");

        gauge.Record(20.5);
        gauge.Record(18);
        queue.Add(5);
        queue.Add(-2);
        var first = exporter.Scrape();
        observed = 9;
        var second = exporter.Scrape();

        Assert.Contains("# TYPE temperature_celsius gauge\ntemperature_celsius 18\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE queue_depth gauge\nqueue_depth 3\n", first, StringComparison.Ordinal);
        Assert.Contains("observed_items 7\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE observed_events_total counter\nobserved_events_total 70\n", first, StringComparison.Ordinal);
        Assert.Contains("observed_items 9\n", second, StringComparison.Ordinal);
        Assert.Contains("observed_events_total 90\n", second, StringComparison.Ordinal);
        Assert.Contains("# TYPE sizes_bytes histogram\n", second, StringComparison.Ordinal);
        await Promtool.AssertAcceptsAsync(second);
    }

    [Fact]
    public async Task Concurrent_recording_loses_no_measurement()
    {
        using var meter = new Meter("OrleansFabric.Test.Concurrency");
        using var exporter = new PrometheusExporter(meterFilter: name => name == meter.Name);
        var counter = meter.CreateCounter<long>("hits_total");
        var histogram = meter.CreateHistogram<double>("work_seconds");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var tag = new KeyValuePair<string, object?>("worker", (worker % 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(1, tag);
                histogram.Record(0.001, tag);
            }
        })));
        var text = exporter.Scrape();

        Assert.Contains("hits_total{worker=\"0\"} 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("hits_total{worker=\"1\"} 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("work_seconds_count{worker=\"1\"} 40000\n", text, StringComparison.Ordinal);
    }
}
