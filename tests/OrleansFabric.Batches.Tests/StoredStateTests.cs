using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary>
/// The stored batch state: assignments as compact rows, read back exactly by the next
/// activation, and batches stored in the older object form keep working.
/// </summary>
public sealed class StoredStateTests
{
    private static readonly GrainId s_grain = new(new GrainType("essay-batch"), "b1");

    private static Task<TestSilo> StartAsync(InMemoryGrainStorage storage) => TestSilo.StartAsync(services =>
    {
        services.AddEssayBatches();
        services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, storage);
    });

    [Fact]
    public async Task Assignments_are_stored_as_rows_and_the_next_activation_reads_them_back_exactly()
    {
        var storage = new InMemoryGrainStorage();
        BatchStatus before;
        await using (var silo = await StartAsync(storage))
        {
            var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
            await batch.RegisterAsync(new BatchDefinition(["e1", "e2", "e3"], 600, null));
            await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));
            silo.Time.Advance(TimeSpan.FromTicks(1_234_567));
            await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
            before = (await batch.GetStatusAsync())!;
        }

        var rows = (await ReadStoredAsync(storage))["assignments"]!.AsArray();
        Assert.Equal("[\"e1\",\"ts-1\",\"a.docx\"," + before.Assignments[0].AssignedAt.UtcTicks + "]", rows[0]!.ToJsonString());
        Assert.Equal("[\"e2\",\"ts-2\",null," + before.Assignments[1].AssignedAt.UtcTicks + "]", rows[1]!.ToJsonString());

        await using (var silo = await StartAsync(storage))
        {
            var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
            var after = (await batch.GetStatusAsync())!;

            Assert.Equal(before.Assignments, after.Assignments);
            Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e2"), await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null)));
            Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e3"), await batch.ProvisionContentAsync(new ProvisionContent("ts-3", "c.docx")));
        }
    }

    [Fact]
    public async Task A_batch_stored_with_assignments_as_objects_still_loads()
    {
        var storage = new InMemoryGrainStorage();
        await using (var silo = await StartAsync(storage))
        {
            var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
            await batch.RegisterAsync(new BatchDefinition(["e1", "e2"], 600, null));
        }

        // The form written before assignments became rows: one object per assignment.
        var assignedAt = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero);
        var state = await ReadStoredAsync(storage);
        state["assignments"] = new JsonArray(new JsonObject
        {
            ["essayId"] = "e1",
            ["textStorageId"] = "ts-1",
            ["originalFileName"] = "a.docx",
            ["assignedAt"] = assignedAt.ToString("O"),
        });
        var stored = await storage.ReadAsync(s_grain, "batch", default);
        await storage.WriteAsync(s_grain, "batch", Encoding.UTF8.GetBytes(state.ToJsonString()), stored!.ETag, WriteFence.None, default);

        await using (var silo = await StartAsync(storage))
        {
            var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");

            Assert.Equal([new SlotAssignment("e1", "ts-1", "a.docx", assignedAt)], (await batch.GetStatusAsync())!.Assignments);
            Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx")));
            Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e2"), await batch.ProvisionContentAsync(new ProvisionContent("ts-2", "b.docx")));
        }
    }

    private static async Task<JsonObject> ReadStoredAsync(InMemoryGrainStorage storage)
    {
        var record = await storage.ReadAsync(s_grain, "batch", default);
        return JsonNode.Parse(record!.Payload.Span)!.AsObject();
    }
}
