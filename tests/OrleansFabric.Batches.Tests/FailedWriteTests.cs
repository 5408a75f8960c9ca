using Orleans.Runtime;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary>
/// A state write that fails (the database is down) acknowledges nothing: the activation is
/// dropped and the next call works from what is durable, so nothing is answered from memory
/// that a crash could lose.
/// </summary>
public sealed class FailedWriteTests(FlakyStorageCluster cluster) : IClassFixture<FlakyStorageCluster>
{
    private FlakyGrainStorage Storage => cluster.Storage!;

    private static BatchDefinition TwoSlots(int timeoutSeconds = 600) => new(["e1", "e2"], timeoutSeconds, null);

    [Fact]
    public async Task A_registration_whose_write_failed_is_not_remembered()
    {
        var batch = cluster.Batch("fw-register");
        Storage.FailNextWrites = 1;

        await FailsWithStorageErrorAsync(() => batch.RegisterAsync(TwoSlots()));

        Assert.Null(Stored(batch));
        Assert.Equal(RegisterBatchResult.Created, await batch.RegisterAsync(TwoSlots()));
        Assert.True(Stored(batch)!.Registered);
    }

    [Fact]
    public async Task An_assignment_whose_write_failed_is_not_answered_as_already_assigned_and_its_retry_is_durable()
    {
        var batch = cluster.Batch("fw-assign");
        await batch.RegisterAsync(TwoSlots());
        Storage.FailNextWrites = 1;

        await FailsWithStorageErrorAsync(() => batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx")));
        Assert.Empty(Stored(batch)!.Assignments);
        var retried = await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));

        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), retried);
        Assert.Equal(1, (await batch.GetStatusAsync())!.AssignedCount);
        Assert.Equal(["ts-1"], Stored(batch)!.Assignments.Select(a => a.TextStorageId));
    }

    [Fact]
    public async Task A_completion_whose_write_failed_records_no_event_and_its_retry_completes_once()
    {
        var batch = cluster.Batch("fw-complete");
        await batch.RegisterAsync(TwoSlots());
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        Storage.FailNextWrites = 1;

        await FailsWithStorageErrorAsync(() => batch.ProvisionContentAsync(new ProvisionContent("ts-2", null)));

        Assert.Equal(BatchPhase.Collecting, (await batch.GetStatusAsync())!.Status);
        Assert.Empty((await batch.GetEventsAsync())!);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e2"), await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null)));
        Assert.Equal(BatchEvent.EssaysReady, Assert.Single((await batch.GetEventsAsync())!).Type);
        Assert.Equal(BatchPhase.Completed, Stored(batch)!.Phase);
    }

    [Fact]
    public async Task A_deadline_whose_write_failed_fires_again_and_times_the_batch_out()
    {
        var batch = cluster.Batch("fw-deadline");
        await batch.RegisterAsync(TwoSlots(timeoutSeconds: 60));
        Storage.FailNextWrites = 1;

        cluster.Time.Advance(TimeSpan.FromSeconds(60));
        await Until.TrueAsync(() => Task.FromResult(Storage.FailNextWrites == 0), "the failed deadline write");
        for (var step = 0; step < 30 && Stored(batch)?.Phase != BatchPhase.TimedOut; step++)
        {
            // The deadline reminder ticks again (every minute) on the fake clock.
            cluster.Time.Advance(TimeSpan.FromSeconds(10));
            await OrleansFabric.TestKit.Eventually.WithinAsync(() => Stored(batch)?.Phase == BatchPhase.TimedOut, TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(BatchPhase.TimedOut, Stored(batch)?.Phase);
        var timedOut = Assert.Single((await batch.GetEventsAsync())!);
        Assert.Equal(BatchEvent.TimedOut, timedOut.Type);
        Assert.Equal(BatchPhase.TimedOut, (await batch.GetStatusAsync())!.Status);
    }

    private BatchState? Stored(IEssayBatchGrain batch) => Storage.Stored<BatchState>(batch.GetGrainId(), "batch");

    /// <summary>Orleans reports a failed storage operation as an OrleansException around the storage's error.</summary>
    private static async Task FailsWithStorageErrorAsync(Func<Task> call)
    {
        var failed = await Assert.ThrowsAsync<OrleansException>(call);
        Assert.IsType<IOException>(failed.InnerException);
    }
}
