using System.Text.Json;

namespace OrleansFabric.Batches.Tests;

public sealed class EssayBatchGrainTests(BatchesCluster cluster) : IClassFixture<BatchesCluster>
{
    private static BatchDefinition Slots(int count, int timeoutSeconds = 600, string? metadata = null) =>
        new([.. Enumerable.Range(1, count).Select(i => $"e{i}")], timeoutSeconds, metadata);

    [Fact]
    public async Task The_same_definition_is_accepted_again_and_a_different_one_conflicts_without_changing_anything()
    {
        var batch = cluster.Batch("register");
        var registeredAt = cluster.Time.GetUtcNow();

        Assert.Equal(RegisterBatchResult.Created, await batch.RegisterAsync(Slots(2)));
        Assert.Equal(RegisterBatchResult.Unchanged, await batch.RegisterAsync(Slots(2)));
        Assert.Equal(RegisterBatchResult.Conflict, await batch.RegisterAsync(Slots(3)));
        Assert.Equal(RegisterBatchResult.Conflict, await batch.RegisterAsync(Slots(2, timeoutSeconds: 60)));

        var status = await batch.GetStatusAsync();
        Assert.Equal(2, status!.ExpectedCount);
        Assert.Equal(registeredAt.AddSeconds(600), status.Deadline);
    }

    [Fact]
    public async Task Slots_fill_in_order_and_the_same_content_always_gets_the_same_slot()
    {
        var batch = cluster.Batch("in-order");
        await batch.RegisterAsync(Slots(3));

        var first = await batch.ProvisionContentAsync(new ProvisionContent("ts-a", "a.docx"));
        var second = await batch.ProvisionContentAsync(new ProvisionContent("ts-b", "b.docx"));
        var again = await batch.ProvisionContentAsync(new ProvisionContent("ts-a", "renamed.docx"));

        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), first);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e2"), second);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), again);
        var status = await batch.GetStatusAsync();
        Assert.Equal(["e3"], status!.MissingSlots);
        Assert.Equal(["e1", "e2"], status.Assignments.Select(a => a.EssayId));
        Assert.Equal("a.docx", status.Assignments[0].OriginalFileName);
    }

    [Fact]
    public async Task A_thousand_concurrent_provisioning_calls_for_120_contents_fill_exactly_100_slots()
    {
        var batch = cluster.Batch("storm");
        await batch.RegisterAsync(Slots(100));

        var calls = Enumerable.Range(0, 1000).Select(i => Task.Run(() =>
            cluster.Batch("storm").ProvisionContentAsync(new ProvisionContent($"ts-{i % 120}", null)))).ToArray();
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
        var batch = cluster.Batch("dup");
        await batch.RegisterAsync(Slots(5));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => batch.ProvisionContentAsync(new ProvisionContent("ts-same", "x.pdf")))));

        Assert.Single(results, r => r.Outcome == AssignmentOutcome.Assigned);
        Assert.All(results, r => Assert.Equal("e1", r.EssayId));
        Assert.Equal(1, (await batch.GetStatusAsync())!.AssignedCount);
    }

    [Fact]
    public async Task Completion_happens_exactly_once_with_its_event_and_the_metadata()
    {
        var batch = cluster.Batch("complete");
        await batch.RegisterAsync(Slots(2, metadata: """{"course":"bio-101"}"""));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));
        Assert.Empty((await batch.GetEventsAsync())!);

        await batch.ProvisionContentAsync(new ProvisionContent("ts-2", "b.docx"));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-2", "b.docx"));
        Assert.Equal(AssignmentOutcome.NoSlotAvailable, (await batch.ProvisionContentAsync(new ProvisionContent("ts-3", null))).Outcome);

        var status = (await batch.GetStatusAsync())!;
        Assert.Equal((BatchPhase.Completed, 2, cluster.Time.GetUtcNow()), (status.Status, status.AssignedCount, status.CompletedAt!.Value));
        Assert.Empty(status.MissingSlots);
        Assert.Equal("bio-101", Json(status.Metadata!).GetProperty("course").GetString());
        var ready = Assert.Single((await batch.GetEventsAsync())!);
        Assert.Equal((1L, BatchEvent.EssaysReady), (ready.Seq, ready.Type));
        var payload = Json(ready.Payload);
        Assert.Equal("bio-101", payload.GetProperty("metadata").GetProperty("course").GetString());
        Assert.Equal(["ts-1", "ts-2"], payload.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("text_storage_id").GetString()));

        var posted = await cluster.Webhook("complete").NextAttemptAsync();
        Assert.Equal(("complete:1", new Uri(BatchCluster.Hook), BatchEvent.EssaysReady), (posted.IdempotencyKey, posted.Endpoint, posted.Body.GetProperty("type").GetString()));
        Assert.Equal("bio-101", posted.Body.GetProperty("payload").GetProperty("metadata").GetProperty("course").GetString());
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement");
        Assert.Single(cluster.Webhook("complete").Attempts);
    }

    [Fact]
    public async Task At_the_deadline_the_batch_times_out_once_with_its_missing_slots()
    {
        var batch = cluster.Batch("late");
        await batch.RegisterAsync(Slots(3, timeoutSeconds: 60, metadata: """{"term":2}"""));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        cluster.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(BatchPhase.Collecting, (await batch.GetStatusAsync())!.Status);
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Status == BatchPhase.TimedOut, "the deadline");
        var posted = await cluster.Webhook("late").NextAttemptAsync();

        // Later ticks of the deadline change nothing.
        cluster.Time.Advance(TimeSpan.FromMinutes(5));
        var status = (await batch.GetStatusAsync())!;
        Assert.Equal(status.Deadline, status.CompletedAt);
        Assert.Equal(["e2", "e3"], status.MissingSlots);
        var timedOut = Assert.Single((await batch.GetEventsAsync())!);
        Assert.Equal(BatchEvent.TimedOut, timedOut.Type);
        var payload = Json(timedOut.Payload);
        Assert.Equal(["e2", "e3"], payload.GetProperty("missing_slots").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, payload.GetProperty("metadata").GetProperty("term").GetInt32());
        Assert.Equal(("late:1", BatchEvent.TimedOut), (posted.IdempotencyKey, posted.Body.GetProperty("type").GetString()));
        Assert.Equal(new ContentAssignment(AssignmentOutcome.BatchClosed, null), await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null)));
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null)));
        Assert.Equal(ValidationFailureResult.BatchClosed, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", null, null, null)));
        await Until.TrueAsync(async () => await cluster.Reminders.ReadRow(batch.GetGrainId(), "deadline") is null, "the deadline reminder dropped");
        Assert.Single(cluster.Webhook("late").Attempts);
    }

    [Fact]
    public async Task At_a_timeout_missing_slots_are_the_unassigned_slots_less_one_per_validation_failure()
    {
        var batch = cluster.Batch("missing");
        await batch.RegisterAsync(Slots(4, timeoutSeconds: 30));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        await batch.RecordValidationFailureAsync(new ValidationFailure("f1", "bad.pdf", "unsupported_format", "no"));
        Assert.Equal(["e2", "e3"], (await batch.GetStatusAsync())!.MissingSlots);

        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Status == BatchPhase.TimedOut, "the deadline");

        Assert.Equal(["e2", "e3"], (await batch.GetStatusAsync())!.MissingSlots);
        var payload = Json(Assert.Single((await batch.GetEventsAsync())!).Payload);
        Assert.Equal(["e2", "e3"], payload.GetProperty("missing_slots").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["f1"], payload.GetProperty("validation_failures").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("assignment-first")]
    [InlineData("deadline-first")]
    [InlineData("together")]
    public async Task When_the_deadline_races_the_last_assignment_there_is_exactly_one_terminal_event(string order)
    {
        var batch = cluster.Batch($"race-{order}");
        await batch.RegisterAsync(Slots(2, timeoutSeconds: 30));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));
        cluster.Time.Advance(TimeSpan.FromSeconds(29));

        ContentAssignment outcome;
        switch (order)
        {
            case "assignment-first":
                outcome = await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
                cluster.Time.Advance(TimeSpan.FromSeconds(1));
                break;
            case "deadline-first":
                cluster.Time.Advance(TimeSpan.FromSeconds(1));
                await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Status != BatchPhase.Collecting, "the deadline tick");
                outcome = await batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
                break;
            default:
                var last = batch.ProvisionContentAsync(new ProvisionContent("ts-2", null));
                cluster.Time.Advance(TimeSpan.FromSeconds(1));
                outcome = await last;
                break;
        }

        await Until.TrueAsync(async () => (await batch.GetStatusAsync())!.Status != BatchPhase.Collecting, "the batch to end");
        cluster.Time.Advance(TimeSpan.FromMinutes(5));
        await cluster.Webhook($"race-{order}").NextAttemptAsync();
        var status = (await batch.GetStatusAsync())!;
        var terminal = Assert.Single((await batch.GetEventsAsync())!);
        if (outcome.Outcome == AssignmentOutcome.Assigned)
        {
            Assert.Equal((BatchPhase.Completed, BatchEvent.EssaysReady), (status.Status, terminal.Type));
        }
        else
        {
            Assert.Equal(AssignmentOutcome.BatchClosed, outcome.Outcome);
            Assert.Equal((BatchPhase.TimedOut, BatchEvent.TimedOut), (status.Status, terminal.Type));
        }

        Assert.Equal(order switch
        {
            "assignment-first" => AssignmentOutcome.Assigned,
            "deadline-first" => AssignmentOutcome.BatchClosed,
            _ => outcome.Outcome,
        }, outcome.Outcome);
        Assert.Single(cluster.Webhook($"race-{order}").Attempts);
    }

    [Fact]
    public async Task Validation_failures_lower_the_count_and_can_complete_the_batch()
    {
        var batch = cluster.Batch("fail");
        await batch.RegisterAsync(Slots(3));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        Assert.Equal(ValidationFailureResult.Recorded, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", "bad.pdf", "unsupported_format", "no")));
        Assert.Equal(ValidationFailureResult.Duplicate, await batch.RecordValidationFailureAsync(new ValidationFailure("f1", "bad.pdf", "unsupported_format", "no")));
        Assert.Equal(BatchPhase.Collecting, (await batch.GetStatusAsync())!.Status);
        Assert.Equal(["e2"], (await batch.GetStatusAsync())!.MissingSlots);
        Assert.Equal(ValidationFailureResult.Recorded, await batch.RecordValidationFailureAsync(new ValidationFailure("f2", null, null, null)));

        var status = await batch.GetStatusAsync();
        Assert.Equal(BatchPhase.Completed, status!.Status);
        Assert.Equal(2, status.ValidationFailures.Count);
        Assert.Empty(status.MissingSlots);
        Assert.Equal(BatchEvent.EssaysReady, Assert.Single((await batch.GetEventsAsync())!).Type);
        Assert.Equal(AssignmentOutcome.NoSlotAvailable, (await batch.ProvisionContentAsync(new ProvisionContent("ts-9", null))).Outcome);
        Assert.Equal(ValidationFailureResult.BatchClosed, await batch.RecordValidationFailureAsync(new ValidationFailure("f3", null, null, null)));
        Assert.Equal(ValidationFailureResult.Duplicate, await batch.RecordValidationFailureAsync(new ValidationFailure("f2", null, null, null)));
    }

    [Fact]
    public async Task A_completed_batch_never_times_out()
    {
        var batch = cluster.Batch("done");
        await batch.RegisterAsync(Slots(1, timeoutSeconds: 10));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", null));

        cluster.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(BatchPhase.Completed, (await batch.GetStatusAsync())!.Status);
        Assert.Equal(BatchEvent.EssaysReady, Assert.Single((await batch.GetEventsAsync())!).Type);
        await Until.TrueAsync(async () => await cluster.Reminders.ReadRow(batch.GetGrainId(), "deadline") is null, "the deadline reminder dropped");
    }

    [Fact]
    public async Task An_unknown_batch_is_reported_as_not_found_and_not_created()
    {
        var batch = cluster.Batch("nope");

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
        var batch = cluster.Batch($"bad-{slots}-{timeoutSeconds}");

        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(Slots(slots, timeoutSeconds)));

        Assert.Null(await batch.GetStatusAsync());
    }

    [Fact]
    public async Task The_grain_itself_refuses_repeated_or_malformed_ids()
    {
        var batch = cluster.Batch("bad-ids");

        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(new BatchDefinition(["e1", "e1"], 600, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => batch.RegisterAsync(new BatchDefinition(["e1", "bad\u0001id"], 600, null)));
        await batch.RegisterAsync(Slots(1));
        await Assert.ThrowsAsync<ArgumentException>(() => batch.ProvisionContentAsync(new ProvisionContent(new string('x', 201), null)));

        Assert.Equal(0, (await batch.GetStatusAsync())!.AssignedCount);
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
