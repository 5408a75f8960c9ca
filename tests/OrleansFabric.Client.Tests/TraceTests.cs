using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.TestKit;

namespace OrleansFabric.Client.Tests;

public sealed class TraceTests
{
    [Fact]
    public async Task The_trace_of_a_pipeline_call_that_completes_a_batch_reaches_the_batch_webhook()
    {
        // A pipeline service that traces listens to Orleans' sources (its tracer provider adds them).
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var silo = await EmbeddedSilo.StartAsync($"--Fabric:Batches:Delivery:WebhookUrl={receiver.Url}");
        using var host = await PipelineHost.StartAsync(silo);
        var pipeline = host.Services.GetRequiredService<EssayPipeline>();
        await pipeline.OpenBatchAsync("traced", ["e1"]);
        var traceId = ActivityTraceId.CreateRandom();

        // The upload that completes the batch, inside the span of the pipeline's own work.
        using (new Activity("process upload").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            await pipeline.UploadAsync("traced", "ts-1", "essay.docx");
        }

        var posted = await receiver.NextAsync();
        Assert.Equal(("traced:1", traceId.ToHexString()), (posted.IdempotencyKey, posted.TraceId));
    }
}
