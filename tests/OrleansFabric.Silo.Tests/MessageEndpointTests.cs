using System.Net;
using System.Text.Json.Nodes;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Silo.Tests;

public sealed class MessageEndpointTests
{
    internal const string SessionPath = "/v1/sessions/t1%3Asupport%3A%2B46700000001%3Aq";

    private static readonly Dictionary<string, string?> s_queueChannel = new()
    {
        ["Fabric:Sessions:Channels:q:Strategy"] = "queue",
    };

    public static TheoryData<string, string> BadMessages => new()
    {
        { "message_id", Message(m => m.Remove("message_id")) },
        { "message_id", Message(m => m["message_id"] = null) },
        { "message_id", Message(m => m["message_id"] = "") },
        { "message_id", Message(m => m["message_id"] = new string('m', 201)) },
        { "message_id", Message(m => m["message_id"] = "m\u0001") },
        { "message_id", Message(m => m["message_id"] = 5) },
        { "tenant_id", Message(m => m.Remove("tenant_id")) },
        { "tenant_id", Message(m => m["tenant_id"] = "") },
        { "tenant_id", Message(m => m["tenant_id"] = new string('t', 201)) },
        { "tenant_id", Message(m => m["tenant_id"] = "t\n1") },
        { "tenant_id", Message(m => m["tenant_id"] = "t1:x") },
        { "tenant_id", Message(m => m["tenant_id"] = 1) },
        { "agent_id", Message(m => m.Remove("agent_id")) },
        { "agent_id", Message(m => m["agent_id"] = "") },
        { "agent_id", Message(m => m["agent_id"] = "sup:port") },
        { "agent_id", Message(m => m["agent_id"] = "a\u007f") },
        { "agent_id", Message(m => m["agent_id"] = new string('a', 201)) },
        { "interlocutor_id", Message(m => m.Remove("interlocutor_id")) },
        { "interlocutor_id", Message(m => m["interlocutor_id"] = "") },
        { "interlocutor_id", Message(m => m["interlocutor_id"] = "+4670\u0000") },
        { "interlocutor_id", Message(m => m["interlocutor_id"] = new string('u', 201)) },
        { "interlocutor_id", Message(m => m["interlocutor_id"] = new JsonArray()) },
        { "channel", Message(m => m.Remove("channel")) },
        { "channel", Message(m => m["channel"] = "") },
        { "channel", Message(m => m["channel"] = "q:2") },
        { "channel", Message(m => m["channel"] = "q\t") },
        { "channel", Message(m => m["channel"] = new string('c', 201)) },
        { "text", Message(m => m.Remove("text")) },
        { "text", Message(m => m["text"] = null) },
        { "text", Message(m => m["text"] = new string('x', (32 * 1024) + 1)) },
        { "text", Message(m => m["text"] = new string('é', (16 * 1024) + 1)) },
        { "text", Message(m => m["text"] = 42) },
        { "sent_at", Message(m => m["sent_at"] = "yesterday") },
        { "sent_at", Message(m => m["sent_at"] = "2026-11-22T10:00:00") },
        { "sent_at", Message(m => m["sent_at"] = "2026-11-22") },
        { "sent_at", Message(m => m["sent_at"] = "2026-13-22T10:00:00Z") },
        { "sent_at", Message(m => m["sent_at"] = 1_700_000_000) },
        { "metadata", Message(m => m["metadata"] = new JsonArray(1, 2)) },
        { "metadata", Message(m => m["metadata"] = "x") },
        { "metadata", Message(m => m["metadata"] = 3) },
    };

    /// <summary>A valid message to session <c>t1:support:+46700000001:q</c>, changed by <paramref name="change"/>.</summary>
    internal static string Message(Action<JsonObject>? change = null, string id = "wamid.1", string text = "hi", string channel = "q", string tenant = "t1")
    {
        var message = new JsonObject
        {
            ["message_id"] = id,
            ["tenant_id"] = tenant,
            ["agent_id"] = "support",
            ["interlocutor_id"] = "+46700000001",
            ["channel"] = channel,
            ["text"] = text,
            ["sent_at"] = "2026-11-22T10:00:00Z",
            ["metadata"] = new JsonObject { ["gateway"] = "wa-1" },
        };
        change?.Invoke(message);
        return message.ToJsonString();
    }

    /// <summary>A silo where channel <c>q</c> queues, with <paramref name="brain"/> (null: the silo's echo brain).</summary>
    internal static Task<RunningSilo> StartAsync(IBrain? brain, Dictionary<string, string?>? settings = null, LongPollSignal? signal = null) =>
        RunningSilo.StartAsync(settings ?? s_queueChannel, configure: builder =>
        {
            if (brain is not null)
            {
                builder.Services.AddSingleton(brain);
            }

            signal?.AddTo(builder);
        });

    [Fact]
    public async Task A_message_is_accepted_with_its_session_key_and_queue_depth_and_is_pending_in_its_session()
    {
        await using var silo = await StartAsync(new GatedBrain());

        using var response = await silo.PostAsync("/v1/messages", Message());

        var accepted = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(["message_id", "queue_depth", "session_key", "status"], accepted.Names());
        Assert.Equal("t1:support:+46700000001:q", accepted.GetProperty("session_key").GetString());
        Assert.Equal("wamid.1", accepted.GetProperty("message_id").GetString());
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal(1, accepted.GetProperty("queue_depth").GetInt32());
        Assert.Equal(SessionPath, response.Headers.Location?.OriginalString);
        using var session = await silo.GetAsync(SessionPath);
        Assert.Equal(["wamid.1"], (await session.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Fact]
    public async Task Optional_fields_may_be_left_out_or_null()
    {
        await using var silo = await StartAsync(new GatedBrain());

        using var without = await silo.PostAsync("/v1/messages", Message(m =>
        {
            m.Remove("sent_at");
            m.Remove("metadata");
        }));
        using var nulls = await silo.PostAsync("/v1/messages", Message(
            m =>
            {
                m["sent_at"] = null;
                m["metadata"] = null;
            },
            id: "wamid.2"));
        using var offset = await silo.PostAsync("/v1/messages", Message(m => m["sent_at"] = "2026-11-22t12:00:00.123+02:00", id: "wamid.3"));

        Assert.Equal(1, (await without.JsonAsync(HttpStatusCode.Accepted)).GetProperty("queue_depth").GetInt32());
        Assert.Equal(2, (await nulls.JsonAsync(HttpStatusCode.Accepted)).GetProperty("queue_depth").GetInt32());
        Assert.Equal(3, (await offset.JsonAsync(HttpStatusCode.Accepted)).GetProperty("queue_depth").GetInt32());
    }

    [Fact]
    public async Task The_same_message_id_again_is_a_202_duplicate_and_only_one_message_is_pending()
    {
        await using var silo = await StartAsync(new GatedBrain());

        using var first = await silo.PostAsync("/v1/messages", Message());
        using var again = await silo.PostAsync("/v1/messages", Message(text: "hi again"));

        Assert.Equal("accepted", (await first.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString());
        var duplicate = await again.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("duplicate", duplicate.GetProperty("status").GetString());
        Assert.Equal(1, duplicate.GetProperty("queue_depth").GetInt32());
        using var session = await silo.GetAsync(SessionPath);
        Assert.Equal(["wamid.1"], (await session.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Theory]
    [MemberData(nameof(BadMessages), DisableDiscoveryEnumeration = true)]
    public async Task A_message_with_a_bad_field_is_a_400_naming_the_field_and_nothing_is_stored(string field, string body)
    {
        await using var silo = await StartAsync(new GatedBrain());

        using var response = await silo.PostAsync("/v1/messages", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var session = await silo.GetAsync(SessionPath);
        await ProblemAssert.IsProblemAsync(session, HttpStatusCode.NotFound, "session_not_found");
        using var valid = await silo.PostAsync("/v1/messages", Message());
        Assert.Equal("accepted", (await valid.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("{\"message_id\":\"wamid.1\",", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("", "empty")]
    public async Task A_body_that_is_not_a_json_object_is_a_400(string body, string detail)
    {
        await using var silo = await StartAsync(new GatedBrain());

        using var response = await silo.PostAsync("/v1/messages", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_key_cannot_post_for_another_tenant_and_nothing_is_stored()
    {
        await using var silo = await RunningSilo.StartAsync(new(SessionEndpointTests.Keys) { ["Fabric:Sessions:Channels:q:Strategy"] = "queue" }, configure: builder => builder.Services.AddSingleton<IBrain>(new GatedBrain()));

        using var forbidden = await silo.PostAsync("/v1/messages", Message(tenant: "t2"), SessionEndpointTests.TenantKey);
        using var allowed = await silo.PostAsync("/v1/messages", Message(), SessionEndpointTests.TenantKey);

        await ProblemAssert.IsProblemAsync(forbidden, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        using var session = await silo.GetAsync("/v1/sessions/t2%3Asupport%3A%2B46700000001%3Aq", SessionEndpointTests.AdminKey);
        await ProblemAssert.IsProblemAsync(session, HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task A_full_queue_is_a_429_with_Retry_After_and_the_message_is_not_stored()
    {
        await using var silo = await StartAsync(new GatedBrain(), new(s_queueChannel) { ["Fabric:Sessions:MaxPendingMessages"] = "2" });

        using var first = await silo.PostAsync("/v1/messages", Message(id: "m1"));
        using var second = await silo.PostAsync("/v1/messages", Message(id: "m2"));
        using var third = await silo.PostAsync("/v1/messages", Message(id: "m3"));

        Assert.Equal(1, (await first.JsonAsync(HttpStatusCode.Accepted)).GetProperty("queue_depth").GetInt32());
        Assert.Equal(2, (await second.JsonAsync(HttpStatusCode.Accepted)).GetProperty("queue_depth").GetInt32());
        await ProblemAssert.IsProblemAsync(third, (HttpStatusCode)429, "queue_full");
        Assert.True(third.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        using var session = await silo.GetAsync(SessionPath);
        Assert.Equal(["m1", "m2"], (await session.JsonAsync(HttpStatusCode.OK)).GetProperty("pending_message_ids").Strings());
    }

    [Fact]
    public async Task A_reject_channel_answers_409_session_busy_while_a_turn_runs_and_accepts_again_after_it()
    {
        var brain = new GatedBrain();
        await using var silo = await StartAsync(brain, new() { ["Fabric:Sessions:Channels:kiosk:Strategy"] = "reject" });
        const string kiosk = "/v1/sessions/t1%3Asupport%3A%2B46700000001%3Akiosk";

        using var first = await silo.PostAsync("/v1/messages", Message(id: "m1", channel: "kiosk"));
        await brain.NextCallAsync();
        using var busy = await silo.PostAsync("/v1/messages", Message(id: "m2", channel: "kiosk"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await ProblemAssert.IsProblemAsync(busy, HttpStatusCode.Conflict, "session_busy");
        using (var session = await silo.GetAsync(kiosk))
        {
            var view = await session.JsonAsync(HttpStatusCode.OK);
            Assert.Equal("reject", view.GetProperty("strategy").GetString());
            Assert.Equal("running", view.GetProperty("status").GetString());
            Assert.Equal(["m1"], view.GetProperty("pending_message_ids").Strings());
        }

        brain.Open();
        using var turns = await silo.GetAsync(kiosk + "/turns?wait_seconds=10");
        Assert.Single((await turns.JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        await silo.GetUntilAsync(kiosk, view => view.GetProperty("status").GetString() == "idle", "the session to be idle");
        using var later = await silo.PostAsync("/v1/messages", Message(id: "m2", channel: "kiosk"));
        Assert.Equal("accepted", (await later.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString());
    }
}
