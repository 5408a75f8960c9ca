using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Runtime.Reminders;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

public sealed class TimerAndReminderTests
{
    private readonly TestProbe _probe = new();

    [Fact]
    public async Task A_grain_timer_ticks_as_turns_on_the_silo_clock_until_stopped()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("t");
        await grain.StartTimerAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        silo.Time.Advance(TimeSpan.FromSeconds(4));
        await grain.TouchAsync();
        Assert.Equal(0, _probe.Count("timer"));

        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await grain.TouchAsync();
        Assert.Equal(1, _probe.Count("timer"));

        silo.Time.Advance(TimeSpan.FromSeconds(10));
        await grain.TouchAsync();
        Assert.Equal(2, _probe.Count("timer"));

        await grain.StopTimerAsync();
        silo.Time.Advance(TimeSpan.FromSeconds(60));
        await grain.TouchAsync();
        Assert.Equal(2, _probe.Count("timer"));
    }

    [Fact]
    public async Task A_one_shot_reminder_fires_once_at_its_due_time_and_is_deleted()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var table = (InMemoryReminderTable)silo.Services.GetRequiredService<IReminderTable>();
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("r");
        await grain.RemindAsync("once", TimeSpan.FromSeconds(10), TimeSpan.Zero);
        Assert.Equal(1, table.Count);

        silo.Time.Advance(TimeSpan.FromSeconds(9));
        await grain.TouchAsync();
        Assert.Equal(0, _probe.Count("reminder:once"));

        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await _probe.Signal("reminder:once").Task;
        await Eventually.TrueAsync(() => table.Count == 0, "the one-shot reminder row to be deleted");

        silo.Time.Advance(TimeSpan.FromMinutes(10));
        await grain.TouchAsync();
        Assert.Equal(1, _probe.Count("reminder:once"));
    }

    [Fact]
    public async Task A_periodic_reminder_fires_every_period_at_its_due_times()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("p");
        var start = silo.Time.GetUtcNow();
        await grain.RemindAsync("every", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

        for (var tick = 1; tick <= 3; tick++)
        {
            silo.Time.Advance(tick == 1 ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => _probe.Count("reminder:every") == tick, $"tick {tick}");
        }

        var expected = new[] { 5, 35, 65 }.Select(seconds => $"tick:every:{start.AddSeconds(seconds):O}");
        Assert.Equal(expected, _probe.Events.Where(e => e.StartsWith("tick:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failing_reminder_tick_is_retried_with_backoff_and_never_dropped()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("f");
        await grain.FailNextTicksAsync(2);
        await grain.RemindAsync("retry", TimeSpan.FromSeconds(1), TimeSpan.Zero);

        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _probe.Count("reminder-failed:retry") == 1, "the first failure");
        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _probe.Count("reminder-failed:retry") == 2, "the second failure after 1 s");
        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await grain.TouchAsync();
        Assert.Equal(0, _probe.Count("reminder:retry"));

        silo.Time.Advance(TimeSpan.FromSeconds(1));
        await _probe.Signal("reminder:retry").Task;
    }

    [Fact]
    public async Task An_unregistered_reminder_does_not_fire()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("u");
        await grain.RemindAsync("gone", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        await grain.ForgetAsync("gone");
        silo.Time.Advance(TimeSpan.FromMinutes(5));

        await grain.TouchAsync();
        Assert.Equal(0, _probe.Count("reminder:gone"));
        Assert.Equal(0, ((InMemoryReminderTable)silo.Services.GetRequiredService<IReminderTable>()).Count);
    }

    [Fact]
    public async Task A_reminder_activates_a_grain_that_was_deactivated()
    {
        await using var silo = await Silos.StartAsync(_probe, settings: new Dictionary<string, string?> { ["Fabric:Grains:IdleTimeoutSeconds"] = "60" });
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("sleeper");
        await grain.RemindAsync("wake", TimeSpan.FromMinutes(10), TimeSpan.Zero);

        silo.Time.Advance(TimeSpan.FromMinutes(5));
        await _probe.Signal("deactivate:sleeper:IdleTimeout").Task;
        silo.Time.Advance(TimeSpan.FromMinutes(5));

        await _probe.Signal("reminder:wake").Task;
        Assert.Equal(2, _probe.Count("activate:sleeper"));
    }
}
