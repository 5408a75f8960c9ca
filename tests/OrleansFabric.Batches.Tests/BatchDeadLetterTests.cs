using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

public sealed class BatchDeadLetterTests(DeadLetterBatchesCluster cluster) : IClassFixture<DeadLetterBatchesCluster>
{
    [Fact]
    public async Task An_event_that_failed_MaxAttempts_times_is_dead_lettered_kept_in_the_events_counted_and_survives_a_deactivation()
    {
        var batch = cluster.Batch("dl-1");
        var webhook = cluster.Webhook("dl-1");
        webhook.FailNext = 2;
        var countedBefore = DeadLettered();
        await batch.RegisterAsync(new BatchDefinition(["e1"], 600, """{"course":"bio"}"""));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.Attempts == 1, "the first failure recorded");

        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.DeadLettered == 1, "the dead letter recorded");

        var delivery = (await batch.GetStatusAsync())!.Delivery;
        Assert.Equal((0, 0L, 0, (string?)null, (DateTimeOffset?)null), (delivery.Pending, delivery.DeliveredThroughSeq, delivery.Attempts, delivery.LastError, delivery.NextAttemptAt));
        Assert.Equal(countedBefore + 1, DeadLettered());
        var kept = Assert.Single(await batch.GetEventsAsync() ?? []);
        Assert.Equal(BatchEvent.EssaysReady, kept.Type);
        await Until.TrueAsync(async () => (await cluster.Reminders.ReadRows(batch.GetGrainId())).Reminders.Count == 0, "no reminder left: nothing pending, the batch ended");

        await cluster.DeactivateAsync(batch);
        var reloaded = (await batch.GetStatusAsync())!;
        Assert.Equal((1L, 0), (reloaded.Delivery.DeadLettered, reloaded.Delivery.Pending));
        Assert.Single(await batch.GetEventsAsync() ?? []);
        Assert.Equal(2, webhook.Attempts.Count);
    }

    [Fact]
    public async Task Another_batch_is_delivered_after_a_dead_letter_and_an_answer_that_succeeds_within_MaxAttempts_is_not_dead_lettered()
    {
        var countedBefore = DeadLettered();
        var failing = cluster.Batch("dl-2");
        cluster.Webhook("dl-2").FailNext = int.MaxValue;
        await failing.RegisterAsync(new BatchDefinition(["e1"], 600, null));
        await failing.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        await cluster.Webhook("dl-2").NextAttemptAsync();
        await Until.TrueAsync(async () => (await failing.GetStatusAsync())!.Delivery.Attempts == 1, "the first failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        await cluster.Webhook("dl-2").NextAttemptAsync();
        await Until.TrueAsync(async () => (await failing.GetStatusAsync())!.Delivery.DeadLettered == 1, "the dead letter recorded");

        var next = cluster.Batch("dl-3");
        var webhook = cluster.Webhook("dl-3");
        webhook.FailNext = 1;
        await next.RegisterAsync(new BatchDefinition(["e1"], 600, null));
        await next.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        Assert.False((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await next.GetStatusAsync())!.Delivery.Attempts == 1, "the failure recorded");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await webhook.NextAttemptAsync()).Succeeded);
        await Until.TrueAsync(async () => (await next.GetStatusAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement");

        Assert.Equal(0L, (await next.GetStatusAsync())!.Delivery.DeadLettered);
        Assert.Equal(countedBefore + 1, DeadLettered());
    }

    private long DeadLettered() =>
        DeadLetterMeter.Read(cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress), "batch");
}
