using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Sessions and essay batches on real silo processes over PostgreSQL, through random
/// gateways, with the owning silo killed (SIGKILL) at the worst moment.
/// </summary>
[Collection(nameof(FaultTests))]
public sealed class ApplicationFaultTests
{
    private static readonly GrainType s_session = new("session");
    private static readonly GrainType s_batch = new("essay-batch");

    [Fact]
    public async Task Messages_acknowledged_by_a_silo_killed_right_after_the_202_are_answered_and_delivered_by_the_survivor()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var cluster = await Clusters.StartAsync(2, settings: new Dictionary<string, string>
        {
            ["Fabric__Sessions__DefaultStrategy"] = "queue",
            ["Fabric__Sessions__Brain__DelayMs"] = "1000",
            ["Fabric__Sessions__ResumeCheckSeconds"] = "2",
            ["Fabric__Sessions__Delivery__WebhookUrl"] = webhook.Url.ToString(),
        });
        var (survivor, victim) = await TwoBalancedAsync(cluster);
        var owners = await Clusters.PartitionOwnersAsync(survivor);
        var keys = Enumerable.Range(0, 10_000).Select(i => $"t1:support:+4670{i:D7}:sms")
            .Where(key => owners[new GrainId(s_session, key).Partition(Ledgers.Partitions)] == victim.SiloEndpoint)
            .Take(20)
            .ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // Every message is accepted by the silo that owns its session, which dies right after the last 202.
        foreach (var (key, i) in keys.Select((key, i) => (key, i)))
        {
            var parts = key.Split(':');
            var body = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["message_id"] = $"wamid.{i}",
                ["tenant_id"] = parts[0],
                ["agent_id"] = parts[1],
                ["interlocutor_id"] = parts[2],
                ["channel"] = parts[3],
                ["text"] = $"question {i}",
            });
            using var accepted = await http.PostAsync(new Uri(victim.Address, "/v1/messages"), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        victim.Kill();

        // Nobody asks the sessions anything: their durable reminders bring them back on the survivor.
        var delivered = new Dictionary<string, WebhookRequest>();
        var limit = Stopwatch.StartNew();
        while (delivered.Count < keys.Count && limit.Elapsed < TimeSpan.FromSeconds(60))
        {
            var request = await webhook.NextAsync(TimeSpan.FromSeconds(60) - limit.Elapsed);
            if (request.Answered == 200)
            {
                delivered[request.Body.GetProperty("session_key").GetString()!] = request;
            }
        }

        Assert.Equal(keys.Order(), delivered.Keys.Order());
        foreach (var (key, i) in keys.Select((key, i) => (key, i)))
        {
            var turns = await http.GetFromJsonAsync<JsonElement>(new Uri(survivor.Address, $"/v1/sessions/{Uri.EscapeDataString(key)}/turns"));
            var turn = Assert.Single(turns.EnumerateArray(), t => t.GetProperty("status").GetString() == "completed");
            Assert.Equal([$"wamid.{i}"], turn.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()));
            Assert.Equal($"echo: question {i}", turn.GetProperty("response").GetProperty("text").GetString());
            Assert.Equal(turn.GetProperty("turn_id").GetString(), delivered[key].IdempotencyKey);
        }
    }

    [Fact]
    public async Task A_thousand_provisioning_calls_for_120_contents_through_three_gateways_fill_100_slots_exactly_once()
    {
        await using var cluster = await Clusters.StartAsync(3);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => ownership.Count == 3 && ownership.Values.Sum() == Ledgers.Partitions, "partitions spread over 3 silos");
        using var batches = new BatchCalls(cluster);
        await batches.RegisterAsync("storm", slots: 100, timeoutSeconds: 600);

        var answers = await batches.ProvisionAsync("storm", Enumerable.Range(0, 1000).Select(i => $"ts-{i % 120}"), parallelism: 32);

        Assert.Equal(1000, answers.Count);
        Assert.DoesNotContain(answers, answer => answer.Code is not ("assigned" or "already_assigned" or "no_slot_available"));
        var byContent = answers.GroupBy(answer => answer.TextStorageId).ToDictionary(group => group.Key, group => group.ToList());
        Assert.All(byContent.Values, repeats => Assert.Single(repeats.Select(answer => answer.EssayId).Distinct()));
        var assigned = byContent.Where(pair => pair.Value[0].EssayId is not null).ToDictionary(pair => pair.Key, pair => pair.Value[0].EssayId!);
        Assert.Equal(100, assigned.Count);
        Assert.Equal(100, assigned.Values.Distinct().Count());
        Assert.Equal(20, byContent.Count(pair => pair.Value.All(answer => answer.Code == "no_slot_available")));
        Assert.Equal(100, answers.Count(answer => answer.Code == "assigned"));
        var status = await batches.StatusAsync("storm");
        Assert.Equal(("completed", 100), (status.GetProperty("status").GetString(), status.GetProperty("assigned_count").GetInt32()));
        Assert.Equal(assigned.OrderBy(pair => pair.Value).Select(pair => (pair.Value, pair.Key)), status.GetProperty("assignments").EnumerateArray()
            .Select(a => (a.GetProperty("essay_id").GetString()!, a.GetProperty("text_storage_id").GetString()!)).OrderBy(pair => pair.Item1));
    }

    [Fact]
    public async Task Twenty_concurrent_copies_of_each_event_assign_it_once_even_when_the_owner_is_killed_mid_storm()
    {
        await using var cluster = await Clusters.StartAsync(3);
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => ownership.Count == 3 && ownership.Values.Sum() == Ledgers.Partitions, "partitions spread over 3 silos");
        var owners = await Clusters.PartitionOwnersAsync(cluster.Members[0]);
        var victim = cluster.Members[2];
        var batchIds = Enumerable.Range(0, 10_000).Select(i => $"copies{i}")
            .Where(id => owners[new GrainId(s_batch, id).Partition(Ledgers.Partitions)] == victim.SiloEndpoint)
            .Take(2)
            .ToList();
        using var batches = new BatchCalls(cluster);
        foreach (var id in batchIds)
        {
            await batches.RegisterAsync(id, slots: 200, timeoutSeconds: 600);
        }

        // 100 events per batch, each sent 20 times at once; the owner of both batches dies mid-storm.
        var events = batchIds.SelectMany(id => Enumerable.Range(0, 100).Select(n => (Batch: id, Content: $"doc-{n}"))).ToList();
        var storm = Task.Run(async () =>
        {
            var results = new List<ProvisionAnswer>();
            foreach (var chunk in events.Chunk(10))
            {
                var copies = chunk.SelectMany(e => Enumerable.Repeat(e, 20)).Select(e => batches.ProvisionOneAsync(e.Batch, e.Content));
                results.AddRange(await Task.WhenAll(copies));
            }

            return results;
        });
        await Eventually.TrueAsync(() => batches.Answered >= 600 || storm.IsCompleted, "600 answers before the kill", TimeSpan.FromSeconds(90));
        Assert.False(storm.IsCompleted, storm.Exception?.ToString() ?? "the storm ended before the kill");
        victim.Kill();
        var answers = await storm;

        Assert.Equal(events.Count * 20, answers.Count);
        Assert.DoesNotContain(answers, answer => answer.EssayId is null);
        foreach (var id in batchIds)
        {
            var mine = answers.Where(answer => answer.Batch == id).ToList();
            Assert.All(mine.GroupBy(answer => answer.TextStorageId), copies => Assert.Single(copies.Select(answer => answer.EssayId).Distinct()));
            Assert.All(mine.GroupBy(answer => answer.TextStorageId), copies => Assert.True(copies.Count(answer => answer.Code == "assigned") <= 1));
            var status = await batches.StatusAsync(id);
            Assert.Equal(100, status.GetProperty("assigned_count").GetInt32());
            var slots = status.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("essay_id").GetString()).ToList();
            Assert.Equal(100, slots.Distinct().Count());
            Assert.Equal(mine.Select(answer => answer.EssayId).Distinct().Order(), slots.Order());
        }

        Assert.True(batches.Retried > 0, "the kill should have interrupted some calls");
    }

    [Fact]
    public async Task A_batch_deadline_fires_once_on_the_survivor_after_the_owning_silo_is_killed()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var cluster = await Clusters.StartAsync(2, settings: new Dictionary<string, string>
        {
            ["Fabric__Batches__Delivery__WebhookUrl"] = webhook.Url.ToString(),
        });
        var (survivor, victim) = await TwoBalancedAsync(cluster);
        var owners = await Clusters.PartitionOwnersAsync(survivor);
        var id = Enumerable.Range(0, 10_000).Select(i => $"deadline{i}").First(id => owners[new GrainId(s_batch, id).Partition(Ledgers.Partitions)] == victim.SiloEndpoint);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (var created = await http.PutAsync(new Uri(victim.Address, $"/v1/batches/{id}"), JsonContent("""{"expected_essay_ids":["e1","e2"],"timeout_seconds":4}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var assigned = await http.PostAsync(new Uri(victim.Address, $"/v1/batches/{id}/content"), JsonContent("""{"text_storage_id":"ts-1"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        }

        var registered = Stopwatch.StartNew();
        victim.Kill();

        var delivered = await webhook.NextAsync(TimeSpan.FromSeconds(40));
        Assert.True(registered.Elapsed >= TimeSpan.FromSeconds(3.5), $"the deadline fired after {registered.Elapsed}");
        Assert.Equal(("BatchTimedOut", $"{id}:1"), (delivered.Body.GetProperty("type").GetString(), delivered.IdempotencyKey));
        Assert.Equal(["e2"], delivered.Body.GetProperty("payload").GetProperty("missing_slots").EnumerateArray().Select(slot => slot.GetString()));
        var events = await http.GetFromJsonAsync<JsonElement>(new Uri(survivor.Address, $"/v1/batches/{id}/events"));
        Assert.Equal(["BatchTimedOut"], events.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var status = await http.GetFromJsonAsync<JsonElement>(new Uri(survivor.Address, $"/v1/batches/{id}"));
        Assert.Equal("timed_out", status.GetProperty("status").GetString());
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(ClusterProcess Survivor, ClusterProcess Victim)> TwoBalancedAsync(ProcessCluster cluster)
    {
        await Clusters.WaitForOwnershipAsync(cluster.Members[0], ownership => ownership.Count == 2 && ownership.Values.All(owned => owned >= Ledgers.Partitions / 2), "partitions spread over 2 silos");
        return (cluster.Members[0], cluster.Members[1]);
    }
}
