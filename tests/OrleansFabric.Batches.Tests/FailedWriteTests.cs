using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary>
/// A state write that fails (the database is down) acknowledges nothing: the activation is
/// dropped and the next call works from what is durable, so nothing is answered from memory
/// that a crash could lose.
/// </summary>
public sealed class FailedWriteTests
{
    private static Task<TestSilo> StartAsync(FlakyGrainStorage storage) => TestSilo.StartAsync(services =>
    {
        services.AddEssayBatches();
        services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, storage);
    });

    private static BatchDefinition TwoSlots(int timeoutSeconds = 600) => new(["e1", "e2"], timeoutSeconds, null);

    [Fact]
    public async Task A_registration_whose_write_failed_is_not_remembered()
    {
        var storage = new FlakyGrainStorage { FailNextWrites = 1 };
        await using var silo = await StartAsync(storage);
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");

        await Assert.ThrowsAsync<IOException>(() => batch.RegisterAsync(TwoSlots()));

        Assert.Equal(RegisterBatchResult.Created, await batch.RegisterAsync(TwoSlots()));
    }

    [Fact]
    public async Task An_assignment_whose_write_failed_is_not_answered_as_already_assigned_and_its_retry_is_durable()
    {
        var storage = new FlakyGrainStorage();
        await using var silo = await StartAsync(storage);
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
        await batch.RegisterAsync(TwoSlots());
        storage.FailNextWrites = 1;

        await Assert.ThrowsAsync<IOException>(() => batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx")));
        var retried = await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));

        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), retried);
        Assert.Equal(1, (await batch.GetStatusAsync())!.AssignedCount);
    }

    [Fact]
    public async Task A_deadline_whose_write_failed_fires_again_and_times_the_batch_out()
    {
        var storage = new FlakyGrainStorage();
        await using var silo = await StartAsync(storage);
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
        await batch.RegisterAsync(TwoSlots(timeoutSeconds: 60));
        storage.FailNextWrites = 1;

        silo.Time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => storage.FailNextWrites == 0, "the failed deadline write");
        for (var step = 0; step < 60 && !await DurablyTimedOutAsync(storage); step++)
        {
            // The runtime retries the tick with backoff on the silo's clock.
            silo.Time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.WithinAsync(() => DurablyTimedOutAsync(storage).Result, TimeSpan.FromMilliseconds(100));
        }

        Assert.True(await DurablyTimedOutAsync(storage), "the timeout was never stored");
        var timedOut = Assert.Single((await batch.GetEventsAsync())!);
        Assert.Equal(BatchEvent.TimedOut, timedOut.Type);
        Assert.Equal(BatchPhase.TimedOut, (await batch.GetStatusAsync())!.Status);
    }

    private static async Task<bool> DurablyTimedOutAsync(FlakyGrainStorage storage)
    {
        var record = await storage.Inner.ReadAsync(new GrainId(new GrainType("essay-batch"), "b1"), "batch", default);
        return record is not null && System.Text.Encoding.UTF8.GetString(record.Payload.Span).Contains(BatchEvent.TimedOut, StringComparison.Ordinal);
    }
}
