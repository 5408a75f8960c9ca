using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Sessions.Tests;

internal static class Sessions
{
    public static Task<TestSilo> StartAsync(IBrain brain, Dictionary<string, string?>? settings = null, IGrainStorage? storage = null, InMemoryReminderTable? reminders = null, ManualTimeProvider? time = null, IWebhookSender? webhook = null) =>
        TestSilo.StartAsync(
            services =>
            {
                var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
                services.AddSessions(configuration);
                services.AddSingleton(brain);
                if (storage is not null)
                {
                    services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, storage);
                }

                if (reminders is not null)
                {
                    services.AddSingleton<IReminderTable>(reminders);
                }

                if (webhook is not null)
                {
                    services.AddSingleton(webhook);
                }
            },
            settings,
            time);

    public static IncomingMessage Message(string id, string text) => new(id, text, null, null);
}
