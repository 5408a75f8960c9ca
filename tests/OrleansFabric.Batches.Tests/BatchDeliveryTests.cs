using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

public sealed class BatchDeliveryTests
{
    private static readonly Dictionary<string, string?> s_settings = new()
    {
        ["Fabric:Batches:Delivery:WebhookUrl"] = "http://hooks.test/batches",
        ["Fabric:Batches:Delivery:InitialBackoffMs"] = "1000",
    };

    private static Task<TestSilo> StartAsync(ScriptedWebhook webhook, InMemoryGrainStorage storage, InMemoryReminderTable reminders, ManualTimeProvider time) =>
        TestSilo.StartAsync(
            services =>
            {
                services.AddEssayBatches(new ConfigurationBuilder().AddInMemoryCollection(s_settings).Build());
                services.AddSingleton<IWebhookSender>(webhook);
                services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, storage);
                services.AddSingleton<IReminderTable>(reminders);
            },
            time: time);

    [Fact]
    public async Task The_timed_out_event_is_committed_with_the_timeout_and_delivered_after_a_restart()
    {
        var storage = new InMemoryGrainStorage();
        var reminders = new InMemoryReminderTable();
        var time = new ManualTimeProvider();
        var down = new ScriptedWebhook { FailNext = int.MaxValue };
        var first = await StartAsync(down, storage, reminders, time);
        var batch = first.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
        await batch.RegisterAsync(new BatchDefinition(["e1", "e2"], 60, null));
        await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "a.docx"));
        time.Advance(TimeSpan.FromSeconds(60));
        var failed = await down.NextAttemptAsync();
        await first.DisposeAsync();

        var up = new ScriptedWebhook();
        await using var second = await StartAsync(up, storage, reminders, time);
        time.Advance(TimeSpan.FromSeconds(30));
        var delivered = await up.NextAttemptAsync();

        Assert.Equal(("b1:1", "b1:1"), (failed.IdempotencyKey, delivered.IdempotencyKey));
        Assert.Equal("BatchTimedOut", delivered.Body.GetProperty("type").GetString());
        Assert.Equal(["e2"], delivered.Body.GetProperty("payload").GetProperty("missing_slots").EnumerateArray().Select(slot => slot.GetString()));
        var again = second.GrainFactory.GetGrain<IEssayBatchGrain>("b1");
        await Eventually.PollAsync(async () => (await again.GetStatusAsync())!.Delivery.DeliveredThroughSeq == 1, "the acknowledgement", TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => reminders.Count == 0, "no reminder left: the deadline fired and the event is delivered");
        Assert.Single(up.Attempts);
    }
}
