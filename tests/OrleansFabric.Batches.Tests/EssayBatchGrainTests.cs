using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

public sealed class EssayBatchGrainTests
{
    private static BatchDefinition Slots(int count, int timeoutSeconds = 600) =>
        new([.. Enumerable.Range(1, count).Select(i => $"e{i}")], timeoutSeconds, null);

    private static Task<TestSilo> StartAsync() => TestSilo.StartAsync(services => services.AddEssayBatches());

    [Fact]
    public async Task The_same_definition_is_accepted_again_and_a_different_one_conflicts_without_changing_anything()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");

        Assert.Equal(RegisterBatchResult.Created, await batch.RegisterAsync(Slots(2)));
        Assert.Equal(RegisterBatchResult.Unchanged, await batch.RegisterAsync(Slots(2)));
        Assert.Equal(RegisterBatchResult.Conflict, await batch.RegisterAsync(Slots(3)));
        Assert.Equal(RegisterBatchResult.Conflict, await batch.RegisterAsync(Slots(2, timeoutSeconds: 60)));

        var status = await batch.GetStatusAsync();
        Assert.Equal(2, status!.ExpectedCount);
        Assert.Equal(silo.Time.GetUtcNow().AddSeconds(600), status.Deadline);
    }

    [Fact]
    public async Task Slots_fill_in_order_and_the_same_content_always_gets_the_same_slot()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
        await batch.RegisterAsync(Slots(3));

        var first = await batch.ProvisionContentAsync(new ProvisionContent("ts-a", "a.docx"));
        var second = await batch.ProvisionContentAsync(new ProvisionContent("ts-b", "b.docx"));
        var again = await batch.ProvisionContentAsync(new ProvisionContent("ts-a", "renamed.docx"));

        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), first);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e2"), second);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), again);
        var status = await batch.GetStatusAsync();
        Assert.Equal(["e3"], status!.MissingSlots);
        Assert.Equal("a.docx", status.Assignments[0].OriginalFileName);
    }

    [Fact]
    public async Task A_thousand_concurrent_provisioning_calls_for_120_contents_fill_exactly_100_slots()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("storm");
        await batch.RegisterAsync(Slots(100));

        var calls = Enumerable.Range(0, 1000).Select(i => Task.Run(() =>
            silo.GrainFactory.GetGrain<IEssayBatchGrain>("storm").ProvisionContentAsync(new ProvisionContent($"ts-{i % 120}", null)))).ToArray();
        var results = (await Task.WhenAll(calls)).Select((result, i) => (Content: $"ts-{i % 120}", result.Outcome, result.EssayId)).ToList();

        var status = await batch.GetStatusAsync();
        Assert.Equal(BatchPhase.Completed, status!.Status);
        Assert.Equal(100, status.Assignments.Select(a => a.EssayId).Distinct().Count());
        Assert.Equal(100, status.Assignments.Select(a => a.TextStorageId).Distinct().Count());
        var slotOf = status.Assignments.ToDictionary(a => a.TextStorageId, a => a.EssayId);
        foreach (var (content, outcome, essayId) in results)
        {
            if (slotOf.TryGetValue(content, out var slot))
            {
                Assert.True(outcome is AssignmentOutcome.Assigned or AssignmentOutcome.AlreadyAssigned);
                Assert.Equal(slot, essayId);
            }
            else
            {
                Assert.Equal(AssignmentOutcome.NoSlotAvailable, outcome);
            }
        }

        Assert.Equal(20, results.Select(r => r.Content).Distinct().Count(content => !slotOf.ContainsKey(content)));
        Assert.Equal(100, results.Count(r => r.Outcome == AssignmentOutcome.Assigned));
        var ready = Assert.Single(await batch.GetEventsAsync() ?? []);
        Assert.Equal(BatchEvent.EssaysReady, ready.Type);
    }

    [Fact]
    public async Task Twenty_concurrent_copies_of_one_event_make_one_assignment()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("dup");
        await batch.RegisterAsync(Slots(5));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => batch.ProvisionContentAsync(new ProvisionContent("ts-same", "x.pdf")))));

        Assert.Single(results, r => r.Outcome == AssignmentOutcome.Assigned);
        Assert.All(results, r => Assert.Equal("e1", r.EssayId));
        Assert.Equal(1, (await batch.GetStatusAsync())!.AssignedCount);
    }

    [Fact]
    public async Task At_the_deadline_the_batch_times_out_once_with_its_missing_slots()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("late");
        await batch.RegisterAsync(Slots(3, timeoutSeconds: 60));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        silo.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(BatchPhase.Collecting, (await batch.GetStatusAsync())!.Status);
        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => batch.GetStatusAsync().Result!.Status == BatchPhase.TimedOut, "the deadline");

        var timedOut = Assert.Single((await batch.GetEventsAsync())!);
        Assert.Equal(BatchEvent.TimedOut, timedOut.Type);
        Assert.Equal(["e2", "e3"], timedOut.Payload.GetProperty("missing_slots").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new ContentAssignment(AssignmentOutcome.BatchClosed, null), await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null)));
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null)));
        Assert.Equal(ValidationFailureResult.BatchClosed, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", null, null, null)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task When_the_deadline_races_the_last_assignment_there_is_exactly_one_terminal_event(bool assignmentFirst)
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("race");
        await batch.RegisterAsync(Slots(2, timeoutSeconds: 30));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        silo.Time.Advance(TimeSpan.FromSeconds(29));

        // Both reach the mailbox at the same instant of the clock; their order decides the outcome.
        Task<ContentAssignment> last;
        if (assignmentFirst)
        {
            last = batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
            silo.Time.Advance(TimeSpan.FromSeconds(1));
        }
        else
        {
            silo.Time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => batch.GetStatusAsync().Result!.Status != BatchPhase.Collecting, "the deadline tick");
            last = batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
        }

        var outcome = await last;
        silo.Time.Advance(TimeSpan.FromMinutes(5));
        var status = await batch.GetStatusAsync();
        var terminal = Assert.Single((await batch.GetEventsAsync())!);
        if (assignmentFirst)
        {
            Assert.Equal(AssignmentOutcome.Assigned, outcome.Outcome);
            Assert.Equal((BatchPhase.Completed, BatchEvent.EssaysReady), (status!.Status, terminal.Type));
        }
        else
        {
            Assert.Equal(AssignmentOutcome.BatchClosed, outcome.Outcome);
            Assert.Equal((BatchPhase.TimedOut, BatchEvent.TimedOut), (status!.Status, terminal.Type));
        }
    }

    [Fact]
    public async Task Validation_failures_lower_the_count_and_can_complete_the_batch()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("fail");
        await batch.RegisterAsync(Slots(3));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        Assert.Equal(ValidationFailureResult.Recorded, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", "bad.pdf", "unsupported_format", "no")));
        Assert.Equal(ValidationFailureResult.Duplicate, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", "bad.pdf", "unsupported_format", "no")));
        Assert.Equal(BatchPhase.Collecting, (await batch.GetStatusAsync())!.Status);
        Assert.Equal(ValidationFailureResult.Recorded, await batch.RecordValidationFailureAsync(new ValidationFailure("f2", null, null, null)));

        var status = await batch.GetStatusAsync();
        Assert.Equal(BatchPhase.Completed, status!.Status);
        Assert.Equal(2, status.ValidationFailures.Count);
        Assert.Equal(BatchEvent.EssaysReady, Assert.Single((await batch.GetEventsAsync())!).Type);
        Assert.Equal(AssignmentOutcome.NoSlotAvailable, (await batch.ProvisionContentAsync(new ProvisionContent("ts-9", null))).Outcome);
        Assert.Equal(ValidationFailureResult.BatchClosed, await batch.RecordValidationFailureAsync(new ValidationFailure("f3", null, null, null)));
    }

    [Fact]
    public async Task A_completed_batch_never_times_out()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("done");
        await batch.RegisterAsync(Slots(1, timeoutSeconds: 10));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        silo.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(BatchPhase.Completed, (await batch.GetStatusAsync())!.Status);
        Assert.Single((await batch.GetEventsAsync())!);
    }

    [Fact]
    public async Task An_unknown_batch_is_reported_as_not_found_and_not_created()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("nope");

        Assert.Equal(AssignmentOutcome.BatchNotFound, (await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null))).Outcome);
        Assert.Equal(ValidationFailureResult.BatchNotFound, await batch.RecordValidationFailureAsync(new ValidationFailure("f", null, null, null)));
        Assert.Null(await batch.GetStatusAsync());
        Assert.Null(await batch.GetEventsAsync());
    }

    [Theory]
    [InlineData(0, 600)]
    [InlineData(10_001, 600)]
    [InlineData(2, 0)]
    [InlineData(2, 604_801)]
    public async Task The_grain_itself_refuses_an_invalid_definition_and_stores_nothing(int slots, int timeoutSeconds)
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("bad");

        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(Slots(slots, timeoutSeconds)));

        Assert.Null(await batch.GetStatusAsync());
    }

    [Fact]
    public async Task The_grain_itself_refuses_repeated_or_malformed_ids()
    {
        await using var silo = await StartAsync();
        var batch = silo.GrainFactory.GetGrain<IEssayBatchGrain>("bad-ids");

        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(new BatchDefinition(["e1", "e1"], 600, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(new BatchDefinition(["e1", "bad\u0001id"], 600, null)));
        await batch.RegisterAsync(Slots(1));
        await Assert.ThrowsAsync<ArgumentException>(() => batch.ProvisionContentAsync(new ProvisionContent(new string('x', 201), null)));

        Assert.Equal(0, (await batch.GetStatusAsync())!.AssignedCount);
    }
}
