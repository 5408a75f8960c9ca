using System.Diagnostics;
using System.Net;
using OrleansFabric.Sessions;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

public sealed class SessionEndpointTests
{
    internal const string AdminKey = "admin-key-0123456789";
    internal const string TenantKey = "tenant-key-0123456789";
    internal const string BatchesKey = "batches-key-0123456789";

    internal static readonly Dictionary<string, string?> Keys = new()
    {
        ["Fabric:Api:Keys:0:Key"] = AdminKey,
        ["Fabric:Api:Keys:0:Tenants:0"] = "*",
        ["Fabric:Api:Keys:1:Key"] = TenantKey,
        ["Fabric:Api:Keys:1:Tenants:0"] = "t1",
        ["Fabric:Api:Keys:2:Key"] = BatchesKey,
        ["Fabric:Api:Keys:2:Tenants:0"] = "batches",
    };

    private const string Session = MessageEndpointTests.SessionPath;

    public static TheoryData<string, string> BadSessionPaths => new()
    {
        { "session_key", "/v1/sessions/garbage" },
        { "session_key", "/v1/sessions/t1%3Asupport%3Aq" },
        { "session_key", "/v1/sessions/t1%3A%3A%2B46700000001%3Aq" },
        { "session_key", "/v1/sessions/%3Asupport%3A%2B46700000001%3Aq" },
        { "session_key", "/v1/sessions/t1%3Asupport%3A%2B46700000001%3A" },
        { "session_key", "/v1/sessions/" + new string('t', 201) + "%3Asupport%3A%2B46700000001%3Aq" },
        { "session_key", "/v1/sessions/t1%3Asupport%3A%2B46700000001%3Aq%01" },
    };

    public static TheoryData<string, string> BadTurnQueries => new()
    {
        { "after", "after=-1" },
        { "after", "after=x" },
        { "after", "after=1.5" },
        { "after", "after=" },
        { "after", "after=1&after=2" },
        { "after", "after=99999999999999999999" },
        { "wait_seconds", "wait_seconds=31" },
        { "wait_seconds", "wait_seconds=-1" },
        { "wait_seconds", "wait_seconds=soon" },
    };

    [Fact]
    public async Task A_session_reports_its_strategy_status_pending_messages_and_etag()
    {
        var brain = new GatedBrain();
        await using var silo = await MessageEndpointTests.StartAsync(brain);
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(id: "m1"));
        await brain.NextCallAsync();
        using var second = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(id: "m2"));

        using var response = await silo.GetAsync(Session);

        var view = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["delivery", "etag", "pending_message_ids", "session_key", "status", "strategy", "turns_completed"], view.Names());
        Assert.Equal("t1:support:+46700000001:q", view.GetProperty("session_key").GetString());
        Assert.Equal("queue", view.GetProperty("strategy").GetString());
        Assert.Equal("running", view.GetProperty("status").GetString());
        Assert.Equal(["m1", "m2"], view.GetProperty("pending_message_ids").Strings());
        Assert.Equal(0, view.GetProperty("turns_completed").GetInt64());
        Assert.False(string.IsNullOrEmpty(view.GetProperty("etag").GetString()));
        Assert.Equal(
            ["attempts", "dead_lettered", "delivered_through_seq", "enabled", "last_delivered_at", "last_error", "next_attempt_at", "next_seq", "pending"],
            view.GetProperty("delivery").Names());
        Assert.False(view.GetProperty("delivery").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task A_session_key_with_a_slash_a_percent_sign_and_colons_round_trips_through_the_url()
    {
        await using var silo = await MessageEndpointTests.StartAsync(new GatedBrain());
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(m => m["interlocutor_id"] = "user/42%2F:x"));
        var location = posted.Headers.Location!.OriginalString;

        using var response = await silo.GetAsync(location);
        using var turns = await silo.GetAsync(location + "/turns");

        Assert.Equal("/v1/sessions/" + Uri.EscapeDataString("t1:support:user/42%2F:x:q"), location);
        Assert.Equal("t1:support:user/42%2F:x:q", (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("session_key").GetString());
        Assert.Empty((await turns.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_session_is_404_session_not_found_for_every_session_endpoint()
    {
        await using var silo = await MessageEndpointTests.StartAsync(new GatedBrain());

        using var get = await silo.GetAsync(Session);
        using var turns = await silo.GetAsync(Session + "/turns?wait_seconds=0");
        using var delete = await silo.DeleteAsync(Session);

        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound, "session_not_found");
        await ProblemAssert.IsProblemAsync(turns, HttpStatusCode.NotFound, "session_not_found");
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound, "session_not_found");
    }

    [Theory]
    [MemberData(nameof(BadSessionPaths))]
    public async Task A_malformed_session_key_is_a_400_naming_it_on_every_session_endpoint_and_deletes_nothing(string field, string path)
    {
        await using var silo = await MessageEndpointTests.StartAsync(new GatedBrain());
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());

        foreach (var response in new[] { await silo.GetAsync(path), await silo.GetAsync(path + "/turns"), await silo.DeleteAsync(path) })
        {
            using (response)
            {
                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
                Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        using var session = await silo.GetAsync(Session);
        Assert.Equal(["wamid.1"], (await session.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Theory]
    [MemberData(nameof(BadTurnQueries))]
    public async Task A_bad_after_or_wait_seconds_is_a_400_naming_it(string field, string query)
    {
        await using var silo = await MessageEndpointTests.StartAsync(new GatedBrain());
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());

        using var response = await silo.GetAsync($"{Session}/turns?{query}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var session = await silo.GetAsync(Session);
        Assert.Equal(["wamid.1"], (await session.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Fact]
    public async Task A_tenant_key_cannot_read_or_delete_a_session_of_another_tenant()
    {
        await using var silo = await RunningSilo.StartAsync(new(Keys) { ["Fabric:Sessions:Channels:q:Strategy"] = "queue" }, configure: builder => builder.Services.AddSingleton<IBrain>(new GatedBrain()));
        const string other = "/v1/sessions/t2%3Asupport%3A%2B46700000001%3Aq";
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(tenant: "t2"), AdminKey);

        using var get = await silo.GetAsync(other, TenantKey);
        using var turns = await silo.GetAsync(other + "/turns", TenantKey);
        using var delete = await silo.DeleteAsync(other, TenantKey);
        using var batchesOnly = await silo.GetAsync(other, BatchesKey);

        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(turns, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(batchesOnly, HttpStatusCode.Forbidden, "forbidden");
        using var still = await silo.GetAsync(other, AdminKey);
        Assert.Equal(["wamid.1"], (await still.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Fact]
    public async Task Completed_turns_are_listed_after_a_seq_oldest_first_in_the_api_shape()
    {
        await using var silo = await MessageEndpointTests.StartAsync(brain: null);
        using var first = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(id: "m1", text: "one"));
        using var second = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message(id: "m2", text: "two"));
        await silo.GetUntilAsync(Session, view => view.GetProperty("turns_completed").GetInt64() == 2, "two turns");

        using var all = await silo.GetAsync(Session + "/turns");
        using var afterFirst = await silo.GetAsync(Session + "/turns?after=1");
        using var afterAll = await silo.GetAsync(Session + "/turns?after=2");

        var turns = (await all.JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal(2, turns.Count);
        var turn = turns[0];
        Assert.Equal(["completed_at", "message_ids", "response", "seq", "started_at", "status", "turn_id"], turn.Names());
        Assert.False(string.IsNullOrEmpty(turn.GetProperty("turn_id").GetString()));
        Assert.Equal(1, turn.GetProperty("seq").GetInt64());
        Assert.Equal("completed", turn.GetProperty("status").GetString());
        Assert.Equal(["m1"], turn.GetProperty("message_ids").Strings());
        Assert.Equal("echo: one", turn.GetProperty("response").GetProperty("text").GetString());
        Assert.EndsWith("Z", turn.GetProperty("started_at").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", turn.GetProperty("completed_at").GetString(), StringComparison.Ordinal);
        Assert.True(turn.GetProperty("completed_at").GetDateTime() >= turn.GetProperty("started_at").GetDateTime());
        Assert.Equal(2, turns[1].GetProperty("seq").GetInt64());
        Assert.Equal("echo: two", turns[1].GetProperty("response").GetProperty("text").GetString());
        var later = Assert.Single((await afterFirst.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(2, later.GetProperty("seq").GetInt64());
        Assert.Empty((await afterAll.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task A_failed_turn_reports_its_error_and_no_response()
    {
        await using var silo = await MessageEndpointTests.StartAsync(new FailingBrain());
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());

        using var response = await silo.GetAsync(Session + "/turns?wait_seconds=10");

        var turn = Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal("failed", turn.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, turn.GetProperty("response").ValueKind);
        Assert.Equal(FailingBrain.Error, turn.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_long_poll_returns_the_turn_as_soon_as_it_commits()
    {
        var brain = new GatedBrain();
        var signal = new LongPollSignal();
        await using var silo = await MessageEndpointTests.StartAsync(brain, signal: signal);
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());
        await brain.NextCallAsync();
        var clock = Stopwatch.StartNew();

        var poll = silo.GetAsync(Session + "/turns?after=0&wait_seconds=30");
        await signal.WaitingAsync();
        brain.Open();
        using var response = await poll;

        var turn = Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal("gated: hi", turn.GetProperty("response").GetProperty("text").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the long-poll took {clock.Elapsed}");
        Assert.Equal(0, silo.App.Services.GetRequiredService<TurnNotifications>().WaitingSessions);
    }

    [Fact]
    public async Task A_long_poll_with_no_new_turn_returns_an_empty_list_when_the_wait_is_over()
    {
        await using var silo = await MessageEndpointTests.StartAsync(new GatedBrain());
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());
        var clock = Stopwatch.StartNew();

        using var response = await silo.GetAsync(Session + "/turns?wait_seconds=1");

        Assert.Empty((await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"the long-poll returned after {clock.Elapsed}");
        Assert.Equal(0, silo.App.Services.GetRequiredService<TurnNotifications>().WaitingSessions);
    }

    [Fact]
    public async Task Deleting_a_session_erases_it_and_a_later_message_starts_a_new_one()
    {
        await using var silo = await MessageEndpointTests.StartAsync(brain: null);
        using var posted = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());
        await silo.GetUntilAsync(Session, view => view.GetProperty("turns_completed").GetInt64() == 1, "the turn");

        using var deleted = await silo.DeleteAsync(Session);
        using var get = await silo.GetAsync(Session);
        using var turns = await silo.GetAsync(Session + "/turns");
        using var again = await silo.PostAsync("/v1/messages", MessageEndpointTests.Message());

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, deleted.Content.Headers.ContentLength ?? 0);
        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound, "session_not_found");
        await ProblemAssert.IsProblemAsync(turns, HttpStatusCode.NotFound, "session_not_found");
        Assert.Equal("accepted", (await again.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString());
        var fresh = await silo.GetUntilAsync(Session, view => view.GetProperty("turns_completed").GetInt64() == 1, "the new session's turn");
        using var newTurns = await silo.GetAsync(Session + "/turns");
        Assert.Equal(1, Assert.Single((await newTurns.JsonAsync(HttpStatusCode.OK)).EnumerateArray()).GetProperty("seq").GetInt64());
        Assert.Equal(1, fresh.GetProperty("turns_completed").GetInt64());
    }
}
