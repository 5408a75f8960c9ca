using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.TestKit;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>Queue by default, at most three messages per turn, a five-second turn timeout.</summary>
public sealed class TurnLimitsCluster : SessionCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:MaxMessagesPerTurn"] = "3",
        ["Fabric:Sessions:TurnTimeoutSeconds"] = "5",
    };
}

public sealed class TurnLimitsTests(TurnLimitsCluster cluster) : IClassFixture<TurnLimitsCluster>
{
    [Fact]
    public async Task A_hung_brain_is_cut_at_the_turn_timeout_retried_and_the_turn_fails_and_the_next_turn_runs()
    {
        var key = Key("hung");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "hi"));
        await session.SubmitAsync(Message("m2", "again"));

        var first = await brain.NextCallAsync();
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        await Until.TrueAsync(() => Task.FromResult(first.Token.IsCancellationRequested), "the first attempt to be cut");
        var second = await brain.NextCallAfterBackoffAsync(cluster.Time);
        Assert.False(second.Token.IsCancellationRequested);
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        var third = await brain.NextCallAfterBackoffAsync(cluster.Time);
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        var next = await brain.NextCallAsync();

        Assert.Equal(["hi"], third.Texts);
        Assert.Equal(["again"], next.Texts);
        var failed = (await session.GetTurnsAsync(0))!.Single();
        Assert.Equal(TurnRecord.Failed, failed.Status);
        Assert.Equal(["m1"], failed.MessageIds);
        Assert.Contains("TurnTimeoutSeconds", failed.Error, StringComparison.Ordinal);
        next.Answer("hello again");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the next turn");
    }

    [Fact]
    public async Task A_non_cancellable_section_that_completed_before_a_supersede_is_committed_once_and_given_to_the_next_turn()
    {
        var key = Key("payment", "web");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "pay the invoice"));
        var first = await brain.NextCallAsync();

        // The brain pays inside a non-cancellable section; a new message supersedes the turn meanwhile.
        var payment = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var section = first.Turn.RunNonCancellableAsync(() => payment.Task);
        await session.SubmitAsync(Message("m2", "and send a receipt"));
        Assert.False(first.Token.IsCancellationRequested);
        payment.SetResult("paid invoice 42");
        await section;

        var second = await brain.NextCallAsync();
        Assert.Equal(["pay the invoice", "and send a receipt"], second.Texts);
        Assert.Equal(["paid invoice 42"], second.Input.PriorEffects);
        var cancelled = (await session.GetTurnsAsync(0))!.Single();
        Assert.Equal(TurnRecord.Cancelled, cancelled.Status);
        Assert.Equal(["paid invoice 42"], cancelled.Effects);

        second.Answer("paid, receipt sent");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the second turn");
        await session.SubmitAsync(Message("m3", "thanks"));
        var third = await brain.NextCallAsync();
        Assert.Empty(third.Input.PriorEffects);
        var turns = (await session.GetTurnsAsync(0))!;
        Assert.Equal([["paid invoice 42"], null], turns.Select(turn => turn.Effects));
    }

    [Fact]
    public async Task A_timed_out_attempt_is_retried_only_after_its_non_cancellable_section_ends_and_the_retry_knows_its_effect()
    {
        var key = Key("timeout-section");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "pay"));
        var first = await brain.NextCallAsync();
        var payment = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var section = first.Turn.RunNonCancellableAsync(() => payment.Task);

        // The attempt's deadline passes while the payment is under way; the payment then ends.
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        await Until.TrueAsync(() => Task.FromResult(first.Token.IsCancellationRequested), "the attempt to be cut");

        // The retry's back-off (200 ms) passes five times over: no retry while the payment runs.
        for (var step = 0; step < 10; step++)
        {
            cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.False(await Eventually.WithinAsync(() => brain.Calls.Count > 1, TimeSpan.FromMilliseconds(50)), "a retry started while the section ran");
        }

        payment.SetResult("paid invoice 7");
        await section;
        var retry = await brain.NextCallAfterBackoffAsync(cluster.Time);
        Assert.Equal(["paid invoice 7"], retry.Input.PriorEffects);
        retry.Answer("paid");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the retried turn");
        Assert.Equal(["paid invoice 7"], (await session.GetTurnsAsync(0))!.Single().Effects);
    }

    [Fact]
    public async Task A_non_cancellable_section_that_outlives_a_second_deadline_fails_the_turn_without_a_retry()
    {
        var key = Key("timeout-hung-section");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        await session.SubmitAsync(Message("m1", "pay"));
        await session.SubmitAsync(Message("m2", "anything else?"));
        var first = await brain.NextCallAsync();
        var never = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = first.Turn.RunNonCancellableAsync(() => never.Task);

        // The clock moves a second at a time (the wait for the section sets its timer once the
        // attempt's deadline is seen), at most 20 s, until the turn has failed.
        IReadOnlyList<TurnRecord> turns = [];
        for (var step = 0; step < 20 && turns.Count == 0; step++)
        {
            cluster.Time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.WithinAsync(() => brain.Calls.Count > 1, TimeSpan.FromMilliseconds(50));
            turns = (await session.GetTurnsAsync(0))!;
        }

        var failed = Assert.Single(turns);
        Assert.Equal(TurnRecord.Failed, failed.Status);
        Assert.Equal(["m1"], failed.MessageIds);
        Assert.Contains("non-cancellable section", failed.Error, StringComparison.Ordinal);
        var next = await brain.NextCallAsync();
        Assert.Equal(["anything else?"], next.Texts);
        Assert.Equal(2, brain.Calls.Count);
        next.Answer("no");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the next turn");
    }

    [Fact]
    public async Task A_burst_is_split_into_turns_of_at_most_MaxMessagesPerTurn_messages()
    {
        var key = Key("burst", "whatsapp");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        for (var i = 1; i <= 7; i++)
        {
            await session.SubmitAsync(Message($"m{i}", $"{i}"));
        }

        cluster.Time.Advance(TimeSpan.FromMilliseconds(1500));
        var texts = new List<string[]>();
        for (var turn = 1; turn <= 3; turn++)
        {
            var call = await brain.NextCallAsync();
            texts.Add([.. call.Texts]);
            call.Answer($"r{turn}");
        }

        Assert.Equal([["1", "2", "3"], ["4", "5", "6"], ["7"]], texts);
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 3, "three turns");
        Assert.Equal([["m1", "m2", "m3"], ["m4", "m5", "m6"], ["m7"]], (await session.GetTurnsAsync(0))!.Select(turn => turn.MessageIds));
    }

    [Fact]
    public async Task The_trace_of_a_message_reaches_the_brain_and_the_turn_log_lines_even_when_the_turn_starts_later()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) || source.Name == SessionTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var key = Key("traced", "whatsapp");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        var traceId = ActivityTraceId.CreateRandom();

        // The message's HTTP request, as ASP.NET Core would have started it from its traceparent.
        using (new Activity("POST /v1/messages").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            await session.SubmitAsync(Message("m1", "hi"));
        }

        // The aggregation window ends on a grain timer, outside the message's call.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1500));
        var call = await brain.NextCallAsync();
        call.Answer("hello");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn");

        Assert.Equal(traceId, call.Activity?.TraceId);
        var turnId = (await session.GetTurnsAsync(0))!.Single().TurnId;
        var turnLines = cluster.Logs.OfSession(key);
        Assert.Equal([6001, 6002], turnLines.Select(line => line.EventId).Order());
        Assert.All(turnLines, line => Assert.Equal((turnId, traceId.ToHexString()), (line.Values["TurnId"] as string, line.Values["TraceId"] as string)));
        Assert.Equal(traceId.ToHexString(), turnLines.Single(line => line.EventId == 6001).ActivityTraceId);
    }
}

/// <summary>A cluster whose one brain, for every session, thinks one second of the fake clock.</summary>
public abstract class TimedBrainCluster : SessionCluster
{
    private TimedBrain? _brain;

    public override IBrain? SharedBrain => _brain ??= new TimedBrain(Time);

    public TimedBrain Timed => (TimedBrain)SharedBrain!;
}

/// <summary>Queue, at most two brain calls at once on the silo, one brain for every session that thinks one second of the fake clock.</summary>
public sealed class CappedBrainCluster : TimedBrainCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:Brain:MaxConcurrentCalls"] = "2",
    };
}

public sealed class BrainCapTests(CappedBrainCluster cluster) : IClassFixture<CappedBrainCluster>
{
    [Fact]
    public async Task Nine_one_second_turns_with_a_cap_of_two_never_run_more_than_two_brains_and_start_in_order_of_first_message()
    {
        var gate = cluster.SiloService<BrainGate>();
        var brain = cluster.Timed;
        var keys = Enumerable.Range(1, 9).Select(i => Key($"capped-{i}")).ToArray();
        await cluster.Session(keys[0]).SubmitAsync(Message("m1", "1"));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        await cluster.Session(keys[1]).SubmitAsync(Message("m1", "2"));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == 2), "the first two brain calls");

        // Each message is accepted a millisecond after the previous one; the turns queue at the gate.
        for (var i = 2; i < 9; i++)
        {
            cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
            await cluster.Session(keys[i]).SubmitAsync(Message("m1", $"{i + 1}"));
        }

        await Until.TrueAsync(() => Task.FromResult(gate.Waiting == 7), "seven turns waiting");
        Assert.Equal(2, gate.InFlight);
        Assert.True(gate.WaitedTotal >= 7);

        // Each second ends the two running calls and lets the next two waiting turns in. (Two
        // turns let in together start concurrently: their mutual order is not observable.)
        var rounds = new List<string[]>();
        rounds.Add([.. brain.Started.Order(StringComparer.Ordinal)]);
        for (var round = 0; round < 10 && brain.Started.Count < 9; round++)
        {
            var before = brain.Started.Count;
            var expected = Math.Min(9, before + 2);
            cluster.Time.Advance(TimeSpan.FromSeconds(1));
            await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == expected), $"{expected} brain calls started");
            rounds.Add([.. brain.Started.Skip(before).Order(StringComparer.Ordinal)]);
        }

        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        foreach (var key in keys)
        {
            await Until.TrueAsync(async () => (await cluster.Session(key).GetAsync())!.TurnsCompleted == 1, $"the turn of {key}");
        }

        Assert.Equal(2, brain.MostAtOnce);
        Assert.Equal([["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"], ["9"]], rounds);
        Assert.Equal((0, 0), (gate.InFlight, gate.Waiting));
    }

    [Fact]
    public async Task A_waiting_turn_that_is_superseded_leaves_the_queue()
    {
        var gate = cluster.SiloService<BrainGate>();
        var brain = cluster.Timed;
        var startedBefore = brain.Started.Count;
        await cluster.Session(Key("busy-1")).SubmitAsync(Message("m1", "busy 1"));
        await cluster.Session(Key("busy-2")).SubmitAsync(Message("m1", "busy 2"));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == startedBefore + 2), "two brain calls running");
        var web = cluster.Session(Key("waiting", "web"));
        await web.SubmitAsync(Message("m1", "first"));
        await Until.TrueAsync(() => Task.FromResult(gate.Waiting == 1), "the web turn waiting");

        await web.SubmitAsync(Message("m2", "second"));

        // The superseded turn left the queue; only its successor waits.
        await Until.TrueAsync(async () => (await web.GetTurnsAsync(0))!.Count == 1, "the superseded turn");
        Assert.Equal(TurnRecord.Cancelled, (await web.GetTurnsAsync(0))!.Single().Status);
        await Until.TrueAsync(() => Task.FromResult(gate.Waiting == 1), "the next web turn waiting");
        Assert.Equal(2, gate.InFlight);
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == startedBefore + 3), "the web turn to start");
        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        await Until.TrueAsync(async () => (await web.GetAsync())!.TurnsCompleted == 1, "the web turn");
        Assert.Equal("first", brain.Started.Last());
    }
}

/// <summary>As <see cref="CappedBrainCluster"/>, with a 500 ms aggregation window (whatsapp aggregates).</summary>
public sealed class CappedAggregatingCluster : TimedBrainCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:AggregationWindowMs"] = "500",
        ["Fabric:Sessions:Brain:MaxConcurrentCalls"] = "2",
    };
}

public sealed class BrainCapOrderTests(CappedAggregatingCluster cluster) : IClassFixture<CappedAggregatingCluster>
{
    [Fact]
    public async Task A_turn_that_reaches_the_cap_later_goes_first_when_its_first_message_is_older()
    {
        var gate = cluster.SiloService<BrainGate>();
        var brain = cluster.Timed;

        // Two brain calls hold both places; the first ends at 1.0 s, the second at 1.1 s.
        await cluster.Session(Key("holder-1")).SubmitAsync(Message("m1", "holder 1"));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == 1), "the first holder");
        cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
        await cluster.Session(Key("holder-2")).SubmitAsync(Message("m1", "holder 2"));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == 2), "the second holder");

        // At 0.1 s a whatsapp message waits out its 500 ms aggregation window; at 0.101 s a
        // queued message's turn goes straight to the gate and waits there first.
        await cluster.Session(Key("aggregated", "whatsapp")).SubmitAsync(Message("m1", "older"));
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        await cluster.Session(Key("queued")).SubmitAsync(Message("m1", "newer"));
        await Until.TrueAsync(() => Task.FromResult(gate.Waiting == 1), "the newer turn waiting");
        cluster.Time.Advance(TimeSpan.FromMilliseconds(499));
        await Until.TrueAsync(() => Task.FromResult(gate.Waiting == 2), "the older turn waiting behind it");

        // One place frees at 1.0 s: the turn of the older message takes it.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(400));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == 3), "a third brain call");
        Assert.Equal(["holder 1", "holder 2", "older"], brain.Started);
        Assert.Equal(1, gate.Waiting);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(100));
        await Until.TrueAsync(() => Task.FromResult(brain.Started.Count == 4), "the newer turn's brain call");
        Assert.Equal("newer", brain.Started.Last());
        Assert.Equal(2, brain.MostAtOnce);
    }
}

/// <summary>Queue, storage whose writes can be made to fail, no webhook.</summary>
public sealed class EffectJournalTests(FlakyStorageCluster cluster) : IClassFixture<FlakyStorageCluster>
{
    [Fact]
    public async Task An_effect_is_stored_when_its_section_ends_and_reaches_the_next_activation_once()
    {
        var key = Key("effect-journal");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        var grain = session.GetGrainId();
        var serializer = cluster.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        await session.SubmitAsync(Message("m1", "pay"));
        var first = await brain.NextCallAsync();

        await first.Turn.RunNonCancellableAsync(() => Task.FromResult("paid invoice 9"));

        // Durable before the turn ends: a silo killed now could not lose it.
        var stored = cluster.Storage!.Stored<SessionState>(grain, "session", serializer)!;
        Assert.Equal(["paid invoice 9"], stored.CarriedEffects);
        Assert.Equal(["m1"], stored.Pending.Select(pending => pending.Message.MessageId));
        Assert.Empty(stored.Turns);

        // The activation ends with the turn unanswered; the next one runs it again, knowing of the payment once.
        await cluster.DeactivateAsync(session);
        Assert.Equal(["m1"], (await session.GetAsync())!.PendingMessageIds);
        var again = await brain.NextCallAsync();
        Assert.Equal(["paid invoice 9"], again.Input.PriorEffects);
        again.Answer("paid");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn");
        Assert.Empty(cluster.Storage!.Stored<SessionState>(grain, "session", serializer)!.CarriedEffects);
    }

    [Fact]
    public async Task An_effect_whose_write_failed_is_stored_once_by_the_commit_of_the_ending_activation()
    {
        var key = Key("effect-write-failed");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        var grain = session.GetGrainId();
        var serializer = cluster.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        await session.SubmitAsync(Message("m1", "pay"));
        var first = await brain.NextCallAsync();

        // The effect's write fails: the activation ends, and its deactivation commits the cancelled turn.
        cluster.Storage!.FailNextWrites = 1;
        await first.Turn.RunNonCancellableAsync(() => Task.FromResult("paid invoice 11"));
        await Until.TrueAsync(() => Task.FromResult(cluster.Storage.Stored<SessionState>(grain, "session", serializer)!.Turns.Count == 1), "the ending activation's commit");

        var stored = cluster.Storage.Stored<SessionState>(grain, "session", serializer)!;
        Assert.Equal(["paid invoice 11"], stored.CarriedEffects);
        Assert.Equal(TurnRecord.Cancelled, stored.Turns.Single().Status);
        Assert.Equal(["paid invoice 11"], stored.Turns.Single().Effects);
        Assert.Equal(["m1"], (await session.GetAsync())!.PendingMessageIds);
        var again = await brain.NextCallAsync();
        Assert.Equal(["paid invoice 11"], again.Input.PriorEffects);
        again.Answer("paid");
        await Until.TrueAsync(async () => (await session.GetAsync())!.TurnsCompleted == 1, "the turn");
    }
}

/// <summary>Queue, storage that outlives the silo.</summary>
public sealed class StoppingSiloCluster : SessionCluster
{
    public override FlakyGrainStorage? Storage { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
    };
}

public sealed class StoppingSiloTests(StoppingSiloCluster cluster) : IClassFixture<StoppingSiloCluster>
{
    [Fact]
    public async Task A_stopping_silo_lets_the_running_turn_finish_and_commits_it()
    {
        var key = Key("stopping");
        var brain = cluster.Brain(key);
        var session = cluster.Session(key);
        var grain = session.GetGrainId();
        await session.SubmitAsync(Message("m1", "hi"));
        var call = await brain.NextCallAsync();

        var stopping = cluster.Cluster.StopSiloAsync(cluster.Cluster.Primary!);
        await Until.TrueAsync(() => Task.FromResult(cluster.Logs.Entries.Any(entry => entry.EventId == 6006)), "the deactivation to wait for the turn");
        Assert.False(call.Token.IsCancellationRequested);
        call.Answer("answered while the silo stopped");
        await stopping;

        var stored = cluster.Storage!.Stored<SessionState>(grain, "session", cluster.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>())!;
        Assert.Equal((1L, 0), (stored.TurnsCompleted, stored.Pending.Count));
        Assert.Equal("answered while the silo stopped", stored.Turns.Single().ResponseText);
    }
}
