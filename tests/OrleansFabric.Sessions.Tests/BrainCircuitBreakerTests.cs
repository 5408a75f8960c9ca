using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansFabric.Sessions.Brains;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>Queue, a brain circuit breaker that opens when half of at least three calls in 30 s failed, for 15 s.</summary>
public sealed class BrainBreakerCluster : SessionCluster
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
        ["Fabric:Sessions:Brain:CircuitBreaker:MinimumCalls"] = "3",
        ["Fabric:Sessions:Brain:CircuitBreaker:FailureRatio"] = "0.5",
        ["Fabric:Sessions:Brain:CircuitBreaker:WindowSeconds"] = "30",
        ["Fabric:Sessions:Brain:CircuitBreaker:BreakSeconds"] = "15",
    };
}

public sealed class BrainCircuitBreakerClusterTests(BrainBreakerCluster cluster) : IClassFixture<BrainBreakerCluster>
{
    [Fact]
    public async Task Failing_brain_calls_open_the_circuit_attempts_then_fail_without_calling_the_brain_and_a_successful_probe_closes_it()
    {
        var silo = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress);
        var breaker = silo.GetRequiredService<BrainCircuitBreaker>();
        Assert.Equal(0, SessionGaugeReader.Read(silo, "fabric_brain_circuit_open"));

        // Three failed attempts of one turn: three calls in the window, all failed.
        var failingKey = Key("breaker-failing");
        var failingBrain = cluster.Brain(failingKey);
        failingBrain.FailNext = 3;
        var failing = cluster.Session(failingKey);
        await failing.SubmitAsync(Message("m1", "hi"));
        await failingBrain.NextCallAsync();
        await failingBrain.NextCallAfterBackoffAsync(cluster.Time);
        await failingBrain.NextCallAfterBackoffAsync(cluster.Time);
        await Until.TrueAsync(async () => (await failing.GetTurnsAsync(0))!.Count == 1, "the failing turn recorded");

        Assert.Equal(TurnRecord.Failed, (await failing.GetTurnsAsync(0))!.Single().Status);
        Assert.True(breaker.IsOpen);
        Assert.Equal(1, SessionGaugeReader.Read(silo, "fabric_brain_circuit_open"));
        Assert.Contains(cluster.Logs.Entries, entry => entry.EventId == 6101);

        // While open, another session's turn fails its three attempts without calling its brain.
        var otherKey = Key("breaker-refused");
        var otherBrain = cluster.Brain(otherKey);
        var other = cluster.Session(otherKey);
        await other.SubmitAsync(Message("m1", "hello?"));
        await Until.TrueAsync(
            async () =>
            {
                cluster.Time.Advance(TimeSpan.FromMilliseconds(100)); // through the retry backoff
                return (await other.GetTurnsAsync(0))!.Count == 1;
            },
            "the refused turn recorded");

        var refused = (await other.GetTurnsAsync(0))!.Single();
        Assert.Equal(TurnRecord.Failed, refused.Status);
        Assert.Contains("circuit breaker is open", refused.Error, StringComparison.Ordinal);
        Assert.Empty(otherBrain.Calls);
        Assert.True(breaker.IsOpen);

        // After the break one attempt goes through as a probe; its success closes the circuit.
        cluster.Time.Advance(TimeSpan.FromSeconds(15));
        await other.SubmitAsync(Message("m2", "still there?"));
        var probe = await otherBrain.NextCallAsync();
        Assert.Contains(cluster.Logs.Entries, entry => entry.EventId == 6102);
        Assert.Equal(1, SessionGaugeReader.Read(silo, "fabric_brain_circuit_open"));
        probe.Answer("back");
        await Until.TrueAsync(async () => (await other.GetTurnsAsync(0))!.Count == 2, "the probe's turn recorded");

        Assert.Equal(TurnRecord.Completed, (await other.GetTurnsAsync(0))![1].Status);
        Assert.False(breaker.IsOpen);
        Assert.Equal(0, SessionGaugeReader.Read(silo, "fabric_brain_circuit_open"));
        Assert.Contains(cluster.Logs.Entries, entry => entry.EventId == 6103);
    }
}

public sealed class BrainCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Fewer_calls_than_the_minimum_never_open_the_circuit_however_many_failed()
    {
        var breaker = Breaker(minimumCalls: 4);

        Fail(breaker, 3);

        Assert.False(breaker.IsOpen);
        Fail(breaker, 1);
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void The_circuit_opens_at_the_failure_ratio_and_not_below_it()
    {
        var breaker = Breaker(minimumCalls: 4, failureRatio: 0.5);

        Succeed(breaker, 3);
        Fail(breaker, 2);
        Assert.False(breaker.IsOpen); // 2 of 5

        Fail(breaker, 1);
        Assert.True(breaker.IsOpen); // 3 of 6
    }

    [Fact]
    public void Failures_that_left_the_window_no_longer_count()
    {
        var breaker = Breaker(minimumCalls: 4, windowSeconds: 10);

        Fail(breaker, 3);
        _time.Advance(TimeSpan.FromSeconds(10));
        Fail(breaker, 1);

        Assert.False(breaker.IsOpen);
        Fail(breaker, 3);
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void While_open_attempts_are_refused_until_the_break_is_over_then_one_probe_at_a_time_goes_through()
    {
        var breaker = Breaker(minimumCalls: 2, breakSeconds: 15);
        Fail(breaker, 2);

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Throws<BrainCircuitOpenException>(() => breaker.Enter());
        _time.Advance(TimeSpan.FromSeconds(1));
        using var probe = breaker.Enter();
        Assert.Throws<BrainCircuitOpenException>(() => breaker.Enter());
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void A_failed_probe_opens_the_circuit_for_another_break()
    {
        var breaker = Breaker(minimumCalls: 2, breakSeconds: 15);
        Fail(breaker, 2);
        _time.Advance(TimeSpan.FromSeconds(15));

        Fail(breaker, 1);

        Assert.True(breaker.IsOpen);
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Throws<BrainCircuitOpenException>(() => breaker.Enter());
        _time.Advance(TimeSpan.FromSeconds(1));
        Succeed(breaker, 1);
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void A_cancelled_probe_decides_nothing_and_the_next_attempt_probes()
    {
        var breaker = Breaker(minimumCalls: 2, breakSeconds: 15);
        Fail(breaker, 2);
        _time.Advance(TimeSpan.FromSeconds(15));

        breaker.Enter().Dispose();

        Assert.True(breaker.IsOpen);
        Succeed(breaker, 1);
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void A_closed_circuit_starts_counting_afresh()
    {
        var breaker = Breaker(minimumCalls: 2, breakSeconds: 15);
        Fail(breaker, 2);
        _time.Advance(TimeSpan.FromSeconds(15));
        Succeed(breaker, 1);

        Fail(breaker, 1);

        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void With_MinimumCalls_0_the_breaker_is_off()
    {
        var breaker = Breaker(minimumCalls: 0);

        Fail(breaker, 100);

        Assert.False(breaker.IsOpen);
    }

    private BrainCircuitBreaker Breaker(int minimumCalls, double failureRatio = 0.5, int windowSeconds = 30, int breakSeconds = 15)
    {
        var options = new SessionsOptions();
        options.Brain.CircuitBreaker = new CircuitBreakerOptions
        {
            MinimumCalls = minimumCalls,
            FailureRatio = failureRatio,
            WindowSeconds = windowSeconds,
            BreakSeconds = breakSeconds,
        };
        return new BrainCircuitBreaker(Options.Create(options), _time, NullLogger<BrainCircuitBreaker>.Instance);
    }

    private static void Fail(BrainCircuitBreaker breaker, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            using var permit = breaker.Enter();
            permit.Failed();
        }
    }

    private static void Succeed(BrainCircuitBreaker breaker, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            using var permit = breaker.Enter();
            permit.Succeeded();
        }
    }
}
