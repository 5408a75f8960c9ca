using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.Invocation;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

public sealed class LifecycleTests
{
    private static readonly Dictionary<string, string?> s_idleAfter60Seconds = new() { ["Fabric:Grains:IdleTimeoutSeconds"] = "60" };

    private readonly TestProbe _probe = new();

    [Fact]
    public async Task An_idle_activation_is_deactivated_after_the_idle_timeout_and_the_next_call_reactivates_it()
    {
        await using var silo = await Silos.StartAsync(_probe, settings: s_idleAfter60Seconds);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("idle");
        await grain.AddAsync(3);

        silo.Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(0, _probe.Count("deactivate:idle:IdleTimeout"));

        silo.Time.Advance(TimeSpan.FromSeconds(30));
        await _probe.Signal("deactivate:idle:IdleTimeout").Task;

        Assert.Equal(4, await grain.AddAsync(1));
        Assert.Equal(2, _probe.Count("activate:idle"));
    }

    [Fact]
    public async Task Calls_keep_an_activation_from_idle_deactivation()
    {
        await using var silo = await Silos.StartAsync(_probe, settings: s_idleAfter60Seconds);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("busy");

        for (var i = 0; i < 6; i++)
        {
            await grain.AddAsync(1);
            silo.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(7, await grain.AddAsync(1));
        Assert.Equal(1, _probe.Count("activate:busy"));
        Assert.Equal(0, _probe.Count("deactivate:busy:IdleTimeout"));
    }

    [Fact]
    public async Task Running_background_work_keeps_an_activation_from_idle_deactivation()
    {
        await using var silo = await Silos.StartAsync(_probe, settings: s_idleAfter60Seconds);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("slow");
        await grain.StartWorkAsync("llm");
        await _probe.Signal("work-started").Task;

        silo.Time.Advance(TimeSpan.FromSeconds(300));

        Assert.Equal(0, _probe.Count("deactivate:slow:IdleTimeout"));
        _probe.Gate("llm").SetResult();
        await _probe.Signal("work-done:llm").Task;
        silo.Time.Advance(TimeSpan.FromSeconds(75));
        await _probe.Signal("deactivate:slow:IdleTimeout").Task;
    }

    [Fact]
    public async Task DeactivateOnIdle_ends_the_activation_and_state_is_reloaded_by_the_next()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("d");
        await grain.AddAsync(41);

        await grain.DeactivateAsync();
        await _probe.Signal("deactivate:d:Requested").Task;

        Assert.Equal(42, await grain.AddAsync(1));
        Assert.Equal(2, _probe.Count("activate:d"));
    }

    [Fact]
    public async Task Shutdown_lets_a_running_turn_finish_then_deactivates_every_grain()
    {
        var silo = await Silos.StartAsync(_probe);
        var worker = silo.GrainFactory.GetGrain<IWorkerGrain>("w");
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("c");
        await counter.AddAsync(1);
        var running = worker.WaitForGateAsync("finish");
        await _probe.Signal("waiting:finish").Task;

        var stopping = silo.StopAsync();
        await _probe.Signal("deactivate:c:Shutdown").Task;
        Assert.False(stopping.IsCompleted);

        _probe.Gate("finish").SetResult();
        Assert.Equal("finish", await running);
        await stopping;
        Assert.Equal(1, _probe.Count("deactivate:w:Shutdown"));
        await Assert.ThrowsAsync<FabricUnavailableException>(() => counter.AddAsync(1));
        await silo.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_waits_for_coalesced_writes_to_be_durable()
    {
        var storage = new GatedGrainStorage(new());
        var silo = await Silos.StartAsync(_probe, storage);
        var grain = silo.GrainFactory.GetGrain<IBatchingCounterGrain>("g");
        await grain.AddAsync(1);
        storage.Close();
        var arrived = storage.WriteArrived.Task;
        var first = grain.AddAsync(1);
        await arrived;
        var queued = Enumerable.Range(0, 5).Select(_ => grain.AddAsync(1)).ToArray();
        await PersistenceTests.WaitForTurnsAwaitingCommitAsync(silo, grain, 6);

        var stopping = silo.StopAsync();
        storage.Open();
        await stopping;

        Assert.Equal(2, await first);
        Assert.Equal([3, 4, 5, 6, 7], (await Task.WhenAll(queued)).Order());
        var record = await storage.Inner.ReadAsync(new GrainId(new GrainType("batching-counter"), "g"), "counter", default);
        Assert.Contains("\"value\":7", System.Text.Encoding.UTF8.GetString(record!.Payload.Span), StringComparison.Ordinal);
        await silo.DisposeAsync();
    }
}
