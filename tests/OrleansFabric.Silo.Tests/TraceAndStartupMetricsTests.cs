using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

[Collection(RunsAlone.Name)]
public sealed class TraceAndStartupMetricsTests
{
    [Fact]
    public async Task Session_metric_families_are_exported_from_start_up_before_any_session_exists()
    {
        await using var silo = await RunningSilo.StartAsync();

        var text = await silo.Client.GetStringAsync("/metrics");

        Assert.Contains("# TYPE fabric_turns_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_turns_cancelled_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_turn_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_message_response_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_brain_calls_in_flight gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_brain_calls_waiting gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_brain_circuit_open gauge\n", text, StringComparison.Ordinal);
        Assert.Contains(text.Split('\n'), line => line.StartsWith("fabric_brain_circuit_open", StringComparison.Ordinal) && line.Split(' ')[1] == "0");
        Assert.Contains(text.Split('\n'), line => line.StartsWith("fabric_turns_total{", StringComparison.Ordinal) && line.Split(' ')[1] == "0");

        // The queue gauges report one zero without tenant, channel or strategy while no session waits.
        foreach (var gauge in (string[])["fabric_session_queue_depth", "fabric_session_queue_depth_max", "fabric_session_oldest_pending_seconds"])
        {
            Assert.Contains($"# TYPE {gauge} gauge\n", text, StringComparison.Ordinal);
            var series = Assert.Single(MetricsTests.Series(text, gauge));
            Assert.DoesNotContain("tenant=", series, StringComparison.Ordinal);
            Assert.Equal(0, MetricsTests.Value(series));
        }
    }

    [Fact]
    public async Task The_traceparent_of_a_message_request_reaches_the_brain()
    {
        var brain = new TracingBrain();
        await using var silo = await MessageEndpointTests.StartAsync(brain);
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"traced","channel":"custom","text":"hi"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await silo.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(traceId, await brain.Traces.Reader.ReadAsync(timeout.Token));
    }

    [Fact]
    public async Task A_message_request_without_a_traceparent_starts_a_sampled_trace_that_reaches_the_brain()
    {
        var brain = new TracingBrain();
        await using var silo = await MessageEndpointTests.StartAsync(brain);

        using var response = await silo.Client.PostAsync(
            "/v1/messages",
            new StringContent("""{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"untraced","channel":"custom","text":"hi"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (traceId, flags) = await brain.Contexts.Reader.ReadAsync(timeout.Token);
        Assert.NotEqual(default, traceId);

        // Marked sampled, as OpenTelemetry's default sampler marks a trace it starts: the brain's
        // and the webhook's receivers see the same traceparent whether or not spans are exported.
        Assert.True(flags.HasFlag(ActivityTraceFlags.Recorded), $"flags {flags}");
    }

    private sealed class TracingBrain : IBrain
    {
        public Channel<ActivityTraceId?> Traces { get; } = Channel.CreateUnbounded<ActivityTraceId?>();

        public Channel<(ActivityTraceId TraceId, ActivityTraceFlags Flags)> Contexts { get; } = Channel.CreateUnbounded<(ActivityTraceId, ActivityTraceFlags)>();

        public Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken)
        {
            Traces.Writer.TryWrite(Activity.Current?.TraceId);
            if (Activity.Current is { } current)
            {
                Contexts.Writer.TryWrite((current.TraceId, current.ActivityTraceFlags));
            }

            return Task.FromResult(new BrainReply("ok"));
        }
    }
}
