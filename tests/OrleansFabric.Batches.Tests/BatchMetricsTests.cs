using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary><c>fabric_batches_timed_out_total</c> on a silo of its own: zero from start-up, one per batch timeout.</summary>
public sealed class BatchMetricsTests(BatchesCluster cluster) : IClassFixture<BatchesCluster>
{
    private const string TimedOutTotal = "fabric_batches_timed_out_total";

    [Fact]
    public async Task A_batch_that_times_out_is_counted_once_and_one_that_completes_is_not()
    {
        Assert.Equal(0, TimedOut());

        // Both have the same deadline; one completes before it.
        var completed = cluster.Batch("metrics-completed");
        var late = cluster.Batch("metrics-late");
        await completed.RegisterAsync(new BatchDefinition(["e1"], 30, null));
        await late.RegisterAsync(new BatchDefinition(["e1", "e2"], 30, null));
        await completed.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        await late.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        Assert.Equal(BatchPhase.Completed, (await completed.GetStatusAsync())!.Status);
        Assert.Equal(0, TimedOut());

        // At the deadline both the grain timer and the deadline reminder tick for the late batch.
        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        await Until.TrueAsync(async () => (await late.GetStatusAsync())!.Status == BatchPhase.TimedOut, "the deadline");
        await Until.TrueAsync(async () => await cluster.Reminders.ReadRow(late.GetGrainId(), "deadline") is null, "the deadline reminder dropped");
        Assert.Equal(1, TimedOut());

        // A timed-out batch activated again is not a new timeout.
        await cluster.DeactivateAsync(late);
        Assert.Equal(BatchPhase.TimedOut, (await late.GetStatusAsync())!.Status);
        cluster.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(BatchPhase.Completed, (await completed.GetStatusAsync())!.Status);
        Assert.Equal(1, TimedOut());
    }

    private long TimedOut()
    {
        var silo = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress);
        _ = silo.GetRequiredService<BatchMetrics>();
        return InstrumentReader.Read(silo, BatchMetrics.MeterName, TimedOutTotal, labels => labels.Count == 0);
    }
}
