using System.Diagnostics;
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
        Assert.Contains("fabric_grain_calls_total{grain_type=\"ping\",outcome=\"ok\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_activations{grain_type=\"ping\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_call_duration_seconds_count{grain_type=\"ping\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_grain_call_duration_seconds_bucket{grain_type=\"ping\",le=\"+Inf\"} 5\n", text, StringComparison.Ordinal);
        await AssertPromtoolAcceptsAsync(text);
    }

    [Fact]
    public async Task Labels_are_escaped_histograms_are_cumulative_and_counters_end_in_total()
    {
        using var meter = new System.Diagnostics.Metrics.Meter("OrleansFabric.Test.Escaping");
        using var exporter = new PrometheusExporter(name => name == meter.Name);
        var counter = meter.CreateCounter<long>("requests", description: "Requests\nseen.");
        var histogram = meter.CreateHistogram<double>("latency_seconds", unit: "s", description: "Latency.", tags: null, advice: new() { HistogramBucketBoundaries = [0.1, 1] });

        counter.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        histogram.Record(0.05);
        histogram.Record(0.5);
        histogram.Record(5);
        var text = exporter.Scrape();

        Assert.Contains("# HELP requests_total Requests\\nseen.\n# TYPE requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("requests_total{path=\"a\\\"b\\\\c\\nd\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("latency_seconds_bucket{le=\"0.1\"} 1\nlatency_seconds_bucket{le=\"1\"} 2\nlatency_seconds_bucket{le=\"+Inf\"} 3\nlatency_seconds_sum 5.55\nlatency_seconds_count 3\n", text, StringComparison.Ordinal);
        await AssertPromtoolAcceptsAsync(text);
    }

    /// <summary>Runs Debian's promtool (installed by tests/run.sh) on the exposition.</summary>
    private static async Task AssertPromtoolAcceptsAsync(string exposition)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool is not installed: run the tests with ./tests/run.sh, which installs Debian's prometheus package.");
        using var process = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var errors = await process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"promtool rejected the exposition: {errors}{output}\n{exposition}");
    }
}
