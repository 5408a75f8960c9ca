namespace OrleansFabric.Batches.Tests;

public sealed class BatchDeliveryTests(BatchesCluster cluster) : IClassFixture<BatchesCluster>
{
    [Fact]
    public async Task The_timed_out_event_is_committed_with_the_timeout_retried_with_backoff_and_delivered_by_the_next_activation()
    {
        var batch = cluster.Batch("b1");
        var webhook = cluster.Webhook("b1");
        webhook.FailNext = int.MaxValue;
        await batch.RegisterAsync(new BatchDefinition(["e1", "e2"], 60, """{"course":"bio"}"""));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));
        cluster.Time.Advance(TimeSpan.FromSeconds(60));
        var failed = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.Attempts == 1, "the failure recorded");
        Assert.Equal(cluster.Time.GetUtcNow().AddSeconds(1), (await batch.GetStatusAsync())!.Delivery.NextAttemptAt);
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        var retried = await webhook.NextAttemptAsync();
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.Attempts == 2, "the second failure recorded");

        // The activation goes with its back-off timer; the outbox's reminder brings it back.
        await cluster.DeactivateAsync(batch);
        webhook.FailNext = 0;
        cluster.Time.Advance(TimeSpan.FromMinutes(1));
        var delivered = await webhook.NextAttemptAsync();

        Assert.Equal(["b1:1", "b1:1", "b1:1"], new[] { failed, retried, delivered }.Select(attempt => attempt.IdempotencyKey));
        Assert.Equal((new Uri(BatchCluster.Hook), 1L, true), (delivered.Endpoint, delivered.Seq, delivered.Succeeded));
        Assert.Equal(("b1", BatchEvent.TimedOut), (delivered.Body.GetProperty("batch_id").GetString(), delivered.Body.GetProperty("type").GetString()));
        var payload = delivered.Body.GetProperty("payload");
        Assert.Equal(["e2"], payload.GetProperty("missing_slots").EnumerateArray().Select(slot => slot.GetString()));
        Assert.Equal("bio", payload.GetProperty("metadata").GetProperty("course").GetString());
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement");
        await Until.TrueAsync(async () => (await cluster.Reminders.ReadRows(batch.GetGrainId())).Reminders.Count == 0, "no reminder left: the deadline fired and the event is delivered");
        Assert.Single(await batch.GetEventsAsync() ?? []);
    }
}
