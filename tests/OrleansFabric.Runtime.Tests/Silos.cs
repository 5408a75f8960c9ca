using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

/// <summary>Starts test silos hosting the test grains.</summary>
internal static class Silos
{
    public static Task<TestSilo> StartAsync(
        TestProbe probe,
        IGrainStorage? storage = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        ManualTimeProvider? time = null) =>
        TestSilo.StartAsync(
            services =>
            {
                services.AddSingleton(probe);
                services.AddGrain<ICounterGrain, CounterGrain>();
                services.AddGrain<ISequenceGrain, SequenceGrain>();
                services.AddGrain<IWorkerGrain, WorkerGrain>();
                services.AddGrain<IBatchingCounterGrain, BatchingCounterGrain>();
                services.AddGrain<IFlakyGrain, FlakyGrain>();
                services.AddGrain<ILedgerGrain, LedgerGrain>();
                if (storage is not null)
                {
                    services.AddKeyedSingleton(PersistentStateAttribute.DefaultStorage, storage);
                }
            },
            settings,
            time);
}
