using OrleansFabric.Runtime.Tests.Grains;

namespace OrleansFabric.Runtime.Tests;

public sealed class MailboxTests
{
    private readonly TestProbe _probe = new();

    [Fact]
    public async Task Calls_from_100_concurrent_callers_keep_each_callers_order_and_never_overlap()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<ISequenceGrain>("one");

        // Each caller sends its 100 calls without waiting between them, all callers at once:
        // only the mailbox can keep them in order.
        var callers = Enumerable.Range(0, 100).Select(caller => Task.Run(() =>
        {
            var calls = new Task[100];
            for (var sequence = 0; sequence < calls.Length; sequence++)
            {
                calls[sequence] = grain.RecordAsync(caller, sequence);
            }

            return Task.WhenAll(calls);
        }));
        await Task.WhenAll(callers);

        var report = await grain.GetReportAsync();
        Assert.Equal(new SequenceReport(10_000, 0, 0), report);
    }

    [Fact]
    public async Task A_burst_of_1000_first_calls_to_one_key_creates_one_activation()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var bursts = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var calls = new Task<int>[125];
            for (var i = 0; i < calls.Length; i++)
            {
                calls[i] = silo.GrainFactory.GetGrain<ICounterGrain>("burst").AddAsync(1);
            }

            return await Task.WhenAll(calls);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(bursts);

        Assert.Equal(1, _probe.Count("activate:burst"));
        Assert.Equal(Enumerable.Range(1, 1000), results.SelectMany(values => values).Order());
    }

    [Fact]
    public async Task A_read_only_call_interleaves_with_a_suspended_turn_but_an_exclusive_call_waits()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("w");
        var suspended = grain.WaitForGateAsync("g");
        await _probe.Signal("waiting:g").Task;

        var peek = await grain.PeekAsync();
        var exclusive = grain.TouchAsync();

        Assert.Equal("peek 0", peek);
        Assert.False(exclusive.IsCompleted);
        Assert.Equal(0, _probe.Count("touch"));

        _probe.Gate("g").SetResult();
        Assert.Equal("g", await suspended);
        Assert.Equal("touch 1", await exclusive);
        Assert.Equal(["waiting:g", "peek", "passed:g", "touch"], _probe.Events.Where(e => !e.StartsWith("activate", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_read_only_call_does_not_start_while_a_state_write_is_in_flight()
    {
        var storage = new GatedGrainStorage(new());
        await using var silo = await Silos.StartAsync(_probe, storage);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("w");
        await grain.TouchAsync();
        storage.Close();
        var arrived = storage.WriteArrived.Task;

        var write = grain.WriteAsync("v1");
        await arrived;
        var peek = grain.PeekAsync();
        var touch = grain.TouchAsync();

        // Both are queued behind the write: the read-only call because a write is in flight,
        // the exclusive one because the writing turn still holds the mailbox.
        Assert.Equal(0, _probe.Count("peek"));
        Assert.False(peek.IsCompleted);
        storage.Open();
        await write;
        Assert.Equal("peek 1", await peek);
        Assert.Equal("touch 2", await touch);
    }

    [Fact]
    public async Task An_exception_reaches_the_caller_with_its_type_and_message_and_the_activation_survives()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("c");
        await grain.AddAsync(5);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.FailAsync("bad input"));

        Assert.Equal("bad input", error.Message);
        Assert.Equal(6, await grain.AddAsync(1));
        Assert.Equal(1, _probe.Count("activate:c"));
    }

    [Fact]
    public async Task A_call_cancelled_while_queued_never_runs()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("busy");
        var blocker = grain.WaitForGateAsync("hold");
        await _probe.Signal("waiting:hold").Task;
        using var cancellation = new CancellationTokenSource();

        var queued = grain.TouchAsync(cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        _probe.Gate("hold").SetResult();
        await blocker;
        Assert.Equal("touch 1", await grain.TouchAsync());
        Assert.Equal(1, _probe.Count("touch"));
    }

    [Fact]
    public async Task A_failed_activation_fails_its_calls_and_the_next_call_activates_again()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IFlakyGrain>("f");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.PingAsync());

        Assert.Equal("first activation fails", error.Message);
        Assert.Equal("pong", await grain.PingAsync());
        Assert.Equal(2, _probe.Count("flaky-activate"));
    }

    [Fact]
    public async Task Background_work_runs_off_the_mailbox_and_its_result_arrives_as_a_turn()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("w");

        await grain.StartWorkAsync("work");
        await _probe.Signal("work-started").Task;
        Assert.Equal("touch 1", await grain.TouchAsync());

        _probe.Gate("work").SetResult();
        await _probe.Signal("work-done:work").Task;
        Assert.Equal("touch 2", await grain.TouchAsync());
    }

    [Fact]
    public async Task Cancelled_background_work_reports_its_cancellation_as_a_turn()
    {
        await using var silo = await Silos.StartAsync(_probe);
        var grain = silo.GrainFactory.GetGrain<IWorkerGrain>("w");
        await grain.StartWorkAsync("never");
        await _probe.Signal("work-started").Task;

        await grain.CancelWorkAsync();

        await _probe.Signal("work-canceled").Task;
        Assert.Equal(0, _probe.Count("work-done:never"));
    }
}
