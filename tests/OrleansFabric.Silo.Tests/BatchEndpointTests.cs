using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

public sealed class BatchEndpointTests
{
    private const string Batch = "/v1/batches/b1";

    public static TheoryData<string, string, string> BadRegistrations => new()
    {
        { "expected_essay_ids", "b1", "{\"expected_essay_ids\":[]}" },
        { "expected_essay_ids", "b1", "{\"expected_essay_ids\":\"e1\"}" },
        { "expected_essay_ids", "b1", Ids(10_001) },
        { "expected_essay_ids[1]", "b1", "{\"expected_essay_ids\":[\"e1\",\"e1\"]}" },
        { "expected_essay_ids[1]", "b1", "{\"expected_essay_ids\":[\"e1\",\"\"]}" },
        { "expected_essay_ids[1]", "b1", "{\"expected_essay_ids\":[\"e1\",null]}" },
        { "expected_essay_ids[1]", "b1", "{\"expected_essay_ids\":[\"e1\",2]}" },
        { "expected_essay_ids[0]", "b1", "{\"expected_essay_ids\":[\"e\\u0007\"]}" },
        { "expected_essay_ids[0]", "b1", new JsonObject { ["expected_essay_ids"] = new JsonArray(new string('e', 201)) }.ToJsonString() },
        { "expected_count", "b1", "{\"expected_essay_ids\":[\"e1\"],\"expected_count\":1}" },
        { "expected_count", "b1", "{\"timeout_seconds\":60}" },
        { "expected_count", "b1", "{\"expected_count\":0}" },
        { "expected_count", "b1", "{\"expected_count\":10001}" },
        { "expected_count", "b1", "{\"expected_count\":-3}" },
        { "expected_count", "b1", "{\"expected_count\":\"3\"}" },
        { "expected_count", "b1", "{\"expected_count\":1.5}" },
        { "expected_count", new string('b', 198), "{\"expected_count\":10}" },
        { "timeout_seconds", "b1", "{\"expected_count\":2,\"timeout_seconds\":0}" },
        { "timeout_seconds", "b1", "{\"expected_count\":2,\"timeout_seconds\":604801}" },
        { "timeout_seconds", "b1", "{\"expected_count\":2,\"timeout_seconds\":\"600\"}" },
        { "timeout_seconds", "b1", "{\"expected_count\":2,\"timeout_seconds\":null}" },
        { "metadata", "b1", "{\"expected_count\":2,\"metadata\":[1]}" },
        { "metadata", "b1", "{\"expected_count\":2,\"metadata\":\"x\"}" },
        { "batch_id", new string('b', 201), "{\"expected_count\":2}" },
        { "batch_id", "b%011", "{\"expected_count\":2}" },
    };

    public static TheoryData<string, string, string> BadContent => new()
    {
        { "text_storage_id", "b1", "{\"original_file_name\":\"a.docx\"}" },
        { "text_storage_id", "b1", "{\"text_storage_id\":null}" },
        { "text_storage_id", "b1", "{\"text_storage_id\":\"\"}" },
        { "text_storage_id", "b1", "{\"text_storage_id\":7}" },
        { "text_storage_id", "b1", "{\"text_storage_id\":\"ts\\u0000\"}" },
        { "text_storage_id", "b1", new JsonObject { ["text_storage_id"] = new string('t', 201) }.ToJsonString() },
        { "original_file_name", "b1", "{\"text_storage_id\":\"ts-1\",\"original_file_name\":5}" },
        { "original_file_name", "b1", new JsonObject { ["text_storage_id"] = "ts-1", ["original_file_name"] = new string('f', (32 * 1024) + 1) }.ToJsonString() },
        { "batch_id", new string('b', 201), "{\"text_storage_id\":\"ts-1\"}" },
        { "batch_id", "b%7F1", "{\"text_storage_id\":\"ts-1\"}" },
    };

    public static TheoryData<string, string, string> BadValidationFailures => new()
    {
        { "failure_id", "b1", "{\"file_name\":\"bad.pdf\"}" },
        { "failure_id", "b1", "{\"failure_id\":null}" },
        { "failure_id", "b1", "{\"failure_id\":\"\"}" },
        { "failure_id", "b1", "{\"failure_id\":1}" },
        { "failure_id", "b1", "{\"failure_id\":\"f\\n1\"}" },
        { "failure_id", "b1", new JsonObject { ["failure_id"] = new string('f', 201) }.ToJsonString() },
        { "file_name", "b1", "{\"failure_id\":\"f-1\",\"file_name\":[]}" },
        { "file_name", "b1", new JsonObject { ["failure_id"] = "f-1", ["file_name"] = new string('f', (32 * 1024) + 1) }.ToJsonString() },
        { "error_code", "b1", "{\"failure_id\":\"f-1\",\"error_code\":404}" },
        { "error_code", "b1", new JsonObject { ["failure_id"] = "f-1", ["error_code"] = new string('c', (32 * 1024) + 1) }.ToJsonString() },
        { "message", "b1", "{\"failure_id\":\"f-1\",\"message\":{}}" },
        { "message", "b1", new JsonObject { ["failure_id"] = "f-1", ["message"] = new string('m', (32 * 1024) + 1) }.ToJsonString() },
        { "batch_id", new string('b', 201), "{\"failure_id\":\"f-1\"}" },
    };

    private static string Ids(int count) =>
        new JsonObject { ["expected_essay_ids"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode)$"e{i}")]) }.ToJsonString();

    [Fact]
    public async Task Registering_a_batch_is_201_then_200_for_the_same_definition_and_409_for_another_which_changes_nothing()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var created = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\"],\"timeout_seconds\":60,\"metadata\":{\"course\":\"c1\",\"n\":[1,2]}}");
        using var same = await silo.PutAsync(Batch, "{ \"metadata\": { \"course\": \"c1\", \"n\": [ 1, 2 ] }, \"timeout_seconds\": 60, \"expected_essay_ids\": [ \"e1\", \"e2\" ] }");
        using var otherSlots = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\",\"e3\"],\"timeout_seconds\":60,\"metadata\":{\"course\":\"c1\",\"n\":[1,2]}}");
        using var otherTimeout = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\"],\"metadata\":{\"course\":\"c1\",\"n\":[1,2]}}");
        using var otherMetadata = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\"],\"timeout_seconds\":60}");

        var status = await created.JsonAsync(HttpStatusCode.Created);
        Assert.Equal(Batch, created.Headers.Location?.OriginalString);
        Assert.Equal(
            ["assigned_count", "assignments", "batch_id", "completed_at", "created_at", "deadline", "delivery", "expected_count", "metadata", "missing_slots", "status", "validation_failures"],
            status.Names());
        Assert.Equal("c1", status.GetProperty("metadata").GetProperty("course").GetString());
        Assert.Equal("b1", status.GetProperty("batch_id").GetString());
        Assert.Equal("collecting", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("expected_count").GetInt32());
        Assert.Equal(0, status.GetProperty("assigned_count").GetInt32());
        Assert.Equal(["e1", "e2"], status.GetProperty("missing_slots").Strings());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("completed_at").ValueKind);
        Assert.EndsWith("Z", status.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(60), status.GetProperty("deadline").GetDateTime() - status.GetProperty("created_at").GetDateTime());
        Assert.Equal(status.ToString(), (await same.JsonAsync(HttpStatusCode.OK)).ToString());
        await ProblemAssert.IsProblemAsync(otherSlots, HttpStatusCode.Conflict, "batch_conflict");
        await ProblemAssert.IsProblemAsync(otherTimeout, HttpStatusCode.Conflict, "batch_conflict");
        await ProblemAssert.IsProblemAsync(otherMetadata, HttpStatusCode.Conflict, "batch_conflict");
        using var after = await silo.GetAsync(Batch);
        Assert.Equal(status.ToString(), (await after.JsonAsync(HttpStatusCode.OK)).ToString());
    }

    [Fact]
    public async Task An_expected_count_makes_slots_named_after_the_batch_with_a_default_timeout_of_600_seconds()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var created = await silo.PutAsync(Batch, "{\"expected_count\":3}");
        using var same = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"b1-1\",\"b1-2\",\"b1-3\"],\"timeout_seconds\":600}");

        var status = await created.JsonAsync(HttpStatusCode.Created);
        Assert.Equal(["b1-1", "b1-2", "b1-3"], status.GetProperty("missing_slots").Strings());
        Assert.Equal(TimeSpan.FromSeconds(600), status.GetProperty("deadline").GetDateTime() - status.GetProperty("created_at").GetDateTime());
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
    }

    [Theory]
    [MemberData(nameof(BadRegistrations), DisableDiscoveryEnumeration = true)]
    public async Task A_registration_with_a_bad_field_is_a_400_naming_the_field_and_no_batch_is_created(string field, string batchId, string body)
    {
        await using var silo = await RunningSilo.StartAsync();
        var path = "/v1/batches/" + batchId;

        using var response = await silo.PutAsync(path, body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (field != "batch_id")
        {
            using var status = await silo.GetAsync(path);
            await ProblemAssert.IsProblemAsync(status, HttpStatusCode.NotFound, "batch_not_found");
            using var valid = await silo.PutAsync(path, "{\"expected_essay_ids\":[\"e1\"]}");
            Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        }
    }

    [Fact]
    public async Task Content_takes_the_slots_in_order_and_the_same_content_keeps_its_slot()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var registered = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\",\"e3\"]}");

        using var first = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\",\"original_file_name\":\"essay1.docx\"}");
        using var second = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-2\"}");
        using var again = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\",\"original_file_name\":\"renamed.docx\"}");

        var assigned = await first.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["essay_id", "outcome"], assigned.Names());
        Assert.Equal("e1", assigned.GetProperty("essay_id").GetString());
        Assert.Equal("assigned", assigned.GetProperty("outcome").GetString());
        Assert.Equal("e2", (await second.JsonAsync(HttpStatusCode.OK)).GetProperty("essay_id").GetString());
        var repeated = await again.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("e1", repeated.GetProperty("essay_id").GetString());
        Assert.Equal("already_assigned", repeated.GetProperty("outcome").GetString());
        using var response = await silo.GetAsync(Batch);
        var status = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, status.GetProperty("assigned_count").GetInt32());
        Assert.Equal(["e3"], status.GetProperty("missing_slots").Strings());
        var assignment = status.GetProperty("assignments")[0];
        Assert.Equal(["assigned_at", "essay_id", "original_file_name", "text_storage_id"], assignment.Names());
        Assert.Equal("ts-1", assignment.GetProperty("text_storage_id").GetString());
        Assert.Equal("essay1.docx", assignment.GetProperty("original_file_name").GetString());
        Assert.EndsWith("Z", assignment.GetProperty("assigned_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("assignments")[1].GetProperty("original_file_name").ValueKind);
    }

    [Theory]
    [MemberData(nameof(BadContent), DisableDiscoveryEnumeration = true)]
    public async Task Content_with_a_bad_field_is_a_400_naming_the_field_and_takes_no_slot(string field, string batchId, string body)
    {
        await using var silo = await RunningSilo.StartAsync();
        var path = "/v1/batches/" + batchId;
        using var registered = await silo.PutAsync(Batch, "{\"expected_count\":1}");

        using var response = await silo.PostAsync(path + "/content", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var status = await silo.GetAsync(Batch);
        var batch = await status.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, batch.GetProperty("assigned_count").GetInt32());
        Assert.Equal("collecting", batch.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Content_for_a_full_batch_is_409_no_slot_available_but_assigned_content_is_still_already_assigned()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var registered = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\"]}");
        using var assigned = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");

        using var excess = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-2\"}");
        using var again = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");

        Assert.Equal("assigned", (await assigned.JsonAsync(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        await ProblemAssert.IsProblemAsync(excess, HttpStatusCode.Conflict, "no_slot_available");
        Assert.Equal("already_assigned", (await again.JsonAsync(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        using var status = await silo.GetAsync(Batch);
        Assert.Equal(1, (await status.JsonAsync(HttpStatusCode.OK)).GetProperty("assigned_count").GetInt32());
    }

    [Fact]
    public async Task A_completed_batch_reports_completed_and_has_one_essays_ready_event()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var registered = await silo.PutAsync(Batch, "{\"expected_count\":2}");
        using var collecting = await silo.GetAsync(Batch + "/events");
        Assert.Empty((await collecting.JsonAsync(HttpStatusCode.OK)).EnumerateArray());

        using var first = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\",\"original_file_name\":\"a.docx\"}");
        using var second = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-2\"}");

        using var statusResponse = await silo.GetAsync(Batch);
        var status = await statusResponse.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Empty(status.GetProperty("missing_slots").EnumerateArray());
        Assert.EndsWith("Z", status.GetProperty("completed_at").GetString(), StringComparison.Ordinal);
        using var eventsResponse = await silo.GetAsync(Batch + "/events");
        var ready = Assert.Single((await eventsResponse.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(["at", "payload", "seq", "type"], ready.Names());
        Assert.Equal(1, ready.GetProperty("seq").GetInt64());
        Assert.Equal("BatchEssaysReady", ready.GetProperty("type").GetString());
        Assert.Equal(status.GetProperty("completed_at").GetString(), ready.GetProperty("at").GetString());
        var assignments = ready.GetProperty("payload").GetProperty("assignments").EnumerateArray().ToList();
        Assert.Equal(["b1-1", "b1-2"], assignments.Select(a => a.GetProperty("essay_id").GetString()!));
        Assert.Equal(["ts-1", "ts-2"], assignments.Select(a => a.GetProperty("text_storage_id").GetString()!));
    }

    [Fact]
    public async Task Validation_failures_are_recorded_once_lower_what_the_batch_waits_for_and_are_refused_once_it_is_closed()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var registered = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\"]}");

        using var recorded = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-1\",\"file_name\":\"bad.pdf\",\"error_code\":\"unsupported_format\",\"message\":\"PDF is not supported\"}");
        using var repeated = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-1\"}");
        using var content = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");
        using var closed = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-2\"}");

        var first = await recorded.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["recorded"], first.Names());
        Assert.True(first.GetProperty("recorded").GetBoolean());
        Assert.False((await repeated.JsonAsync(HttpStatusCode.OK)).GetProperty("recorded").GetBoolean());
        Assert.Equal("assigned", (await content.JsonAsync(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        await ProblemAssert.IsProblemAsync(closed, HttpStatusCode.Conflict, "batch_closed");
        using var response = await silo.GetAsync(Batch);
        var status = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var failure = Assert.Single(status.GetProperty("validation_failures").EnumerateArray());
        Assert.Equal(["error_code", "failure_id", "file_name", "message", "recorded_at"], failure.Names());
        Assert.Equal("f-1", failure.GetProperty("failure_id").GetString());
        Assert.Equal("bad.pdf", failure.GetProperty("file_name").GetString());
        Assert.Equal("unsupported_format", failure.GetProperty("error_code").GetString());
        Assert.Equal("PDF is not supported", failure.GetProperty("message").GetString());
    }

    [Theory]
    [MemberData(nameof(BadValidationFailures), DisableDiscoveryEnumeration = true)]
    public async Task A_validation_failure_with_a_bad_field_is_a_400_naming_the_field_and_is_not_recorded(string field, string batchId, string body)
    {
        await using var silo = await RunningSilo.StartAsync();
        using var registered = await silo.PutAsync(Batch, "{\"expected_count\":2}");

        using var response = await silo.PostAsync($"/v1/batches/{batchId}/validation-failures", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var status = await silo.GetAsync(Batch);
        Assert.Empty((await status.JsonAsync(HttpStatusCode.OK)).GetProperty("validation_failures").EnumerateArray());
    }

    [Fact]
    public async Task At_the_deadline_the_batch_times_out_once_and_closes_to_new_content_and_failures()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = await RunningSilo.StartAsync(configure: builder => FakeClock.AddTo(builder, clock));
        using var registered = await silo.PutAsync(Batch, "{\"expected_essay_ids\":[\"e1\",\"e2\"],\"timeout_seconds\":60}");
        using var assigned = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);

        clock.Advance(TimeSpan.FromSeconds(60));
        var status = await silo.GetUntilAsync(Batch, batch => batch.GetProperty("status").GetString() != "collecting", "the deadline");

        Assert.Equal("timed_out", status.GetProperty("status").GetString());
        Assert.Equal(status.GetProperty("deadline").GetString(), status.GetProperty("completed_at").GetString());
        using var late = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-2\"}");
        await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, "batch_closed");
        using var again = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");
        var kept = await again.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("e1", kept.GetProperty("essay_id").GetString());
        Assert.Equal("already_assigned", kept.GetProperty("outcome").GetString());
        using var failure = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-1\"}");
        await ProblemAssert.IsProblemAsync(failure, HttpStatusCode.Conflict, "batch_closed");
        clock.Advance(TimeSpan.FromMinutes(10));
        using var events = await silo.GetAsync(Batch + "/events");
        var timedOut = Assert.Single((await events.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal("BatchTimedOut", timedOut.GetProperty("type").GetString());
        Assert.Equal(["e2"], timedOut.GetProperty("payload").GetProperty("missing_slots").Strings());
    }

    [Fact]
    public async Task The_registered_metadata_is_in_the_status_and_every_event_payload_and_a_timeout_lists_the_missing_slots_less_the_failures()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = await RunningSilo.StartAsync(configure: builder => FakeClock.AddTo(builder, clock));
        const string Metadata = "{\"course\":\"bio\",\"term\":{\"year\":2026}}";
        using var ready = await silo.PutAsync("/v1/batches/ready", "{\"expected_essay_ids\":[\"e1\"],\"metadata\":" + Metadata + "}");
        using var late = await silo.PutAsync("/v1/batches/late", "{\"expected_essay_ids\":[\"e1\",\"e2\",\"e3\"],\"timeout_seconds\":60,\"metadata\":" + Metadata + "}");
        using var completing = await silo.PostAsync("/v1/batches/ready/content", "{\"text_storage_id\":\"ts-1\"}");
        using var assigned = await silo.PostAsync("/v1/batches/late/content", "{\"text_storage_id\":\"ts-2\"}");
        using var failed = await silo.PostAsync("/v1/batches/late/validation-failures", "{\"failure_id\":\"f-1\"}");
        Assert.Equal(
            [HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { ready, late, completing, assigned, failed }.Select(response => response.StatusCode));

        clock.Advance(TimeSpan.FromSeconds(60));
        var timedOut = await silo.GetUntilAsync("/v1/batches/late", batch => batch.GetProperty("status").GetString() == "timed_out", "the deadline");
        using var completedResponse = await silo.GetAsync("/v1/batches/ready");
        var completed = await completedResponse.JsonAsync(HttpStatusCode.OK);

        Assert.Equal(["e2"], timedOut.GetProperty("missing_slots").Strings());
        Assert.Empty(completed.GetProperty("missing_slots").EnumerateArray());
        foreach (var (batch, status, type) in new[] { ("ready", completed, "BatchEssaysReady"), ("late", timedOut, "BatchTimedOut") })
        {
            AssertMetadata(status.GetProperty("metadata"));
            using var eventsResponse = await silo.GetAsync($"/v1/batches/{batch}/events");
            var batchEvent = Assert.Single((await eventsResponse.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
            Assert.Equal(type, batchEvent.GetProperty("type").GetString());
            var payload = batchEvent.GetProperty("payload");
            AssertMetadata(payload.GetProperty("metadata"));
            Assert.Equal(batch == "late", payload.TryGetProperty("missing_slots", out var missing));
            if (batch == "late")
            {
                Assert.Equal(["e2"], missing.Strings());
            }
        }

        static void AssertMetadata(System.Text.Json.JsonElement metadata) =>
            Assert.Equal(("bio", 2026), (metadata.GetProperty("course").GetString(), metadata.GetProperty("term").GetProperty("year").GetInt32()));
    }

    [Fact]
    public async Task An_unknown_batch_is_404_batch_not_found_on_every_batch_endpoint()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var status = await silo.GetAsync(Batch);
        using var events = await silo.GetAsync(Batch + "/events");
        using var content = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}");
        using var failure = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-1\"}");

        await ProblemAssert.IsProblemAsync(status, HttpStatusCode.NotFound, "batch_not_found");
        await ProblemAssert.IsProblemAsync(events, HttpStatusCode.NotFound, "batch_not_found");
        await ProblemAssert.IsProblemAsync(content, HttpStatusCode.NotFound, "batch_not_found");
        await ProblemAssert.IsProblemAsync(failure, HttpStatusCode.NotFound, "batch_not_found");
    }

    [Theory]
    [InlineData("/v1/batches/" + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")]
    [InlineData("/v1/batches/b%0A1")]
    public async Task A_bad_batch_id_is_a_400_naming_it_when_reading_a_batch_or_its_events(string path)
    {
        await using var silo = await RunningSilo.StartAsync();

        using var status = await silo.GetAsync(path);
        using var events = await silo.GetAsync(path + "/events");

        foreach (var response in new[] { status, events })
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Contains("'batch_id'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_batch_id_with_a_slash_round_trips_through_the_url()
    {
        await using var silo = await RunningSilo.StartAsync();
        var path = "/v1/batches/" + Uri.EscapeDataString("course/7 %2F");

        using var created = await silo.PutAsync(path, "{\"expected_count\":1}");
        using var content = await silo.PostAsync(path + "/content", "{\"text_storage_id\":\"ts-1\"}");

        var status = await created.JsonAsync(HttpStatusCode.Created);
        Assert.Equal("course/7 %2F", status.GetProperty("batch_id").GetString());
        Assert.Equal(path, created.Headers.Location?.OriginalString);
        Assert.Equal("course/7 %2F-1", (await content.JsonAsync(HttpStatusCode.OK)).GetProperty("essay_id").GetString());
    }

    [Fact]
    public async Task Batch_endpoints_need_the_batches_scope_or_star_and_a_refused_request_changes_nothing()
    {
        await using var silo = await RunningSilo.StartAsync(SessionEndpointTests.Keys);
        const string tenant = SessionEndpointTests.TenantKey;

        using var register = await silo.PutAsync(Batch, "{\"expected_count\":1}", tenant);
        using var notCreated = await silo.GetAsync(Batch, SessionEndpointTests.AdminKey);
        using var created = await silo.PutAsync(Batch, "{\"expected_count\":1}", SessionEndpointTests.BatchesKey);
        using var content = await silo.PostAsync(Batch + "/content", "{\"text_storage_id\":\"ts-1\"}", tenant);
        using var failure = await silo.PostAsync(Batch + "/validation-failures", "{\"failure_id\":\"f-1\"}", tenant);
        using var status = await silo.GetAsync(Batch, tenant);
        using var events = await silo.GetAsync(Batch + "/events", tenant);

        foreach (var refused in new[] { register, content, failure, status, events })
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "forbidden");
        }

        await ProblemAssert.IsProblemAsync(notCreated, HttpStatusCode.NotFound, "batch_not_found");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var after = await silo.GetAsync(Batch, SessionEndpointTests.BatchesKey);
        var batch = await after.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, batch.GetProperty("assigned_count").GetInt32());
        Assert.Empty(batch.GetProperty("validation_failures").EnumerateArray());
        using var admin = await silo.GetAsync(Batch + "/events", SessionEndpointTests.AdminKey);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }
}
