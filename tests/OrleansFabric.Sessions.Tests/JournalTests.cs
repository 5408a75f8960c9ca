using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.Sessions.Brains;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// With the fabric's journaled storage (the silo's default), a session's writes append what
/// changed: the bytes written per message are the same with 10 turns of history as with 1,000.
/// A grain's write that the embedded store completes at once completes the grain's await at
/// once (no hop through the grain's scheduler), and every write is timed or counted as failed.
/// </summary>
public sealed class JournalTests(HistoryCluster cluster) : IClassFixture<HistoryCluster>
{
    [Fact]
    public async Task The_bytes_a_message_writes_do_not_grow_with_the_sessions_history()
    {
        var shortHistory = await AppendedBytesPerMessageAsync(Key("short-history"), history: 10, measured: 50);
        var longHistory = await AppendedBytesPerMessageAsync(Key("long-history"), history: 1000, measured: 50);

        Assert.InRange(shortHistory, 100, 2000);
        Assert.InRange(longHistory / shortHistory, 0.9, 1.1);
        var stored = (await cluster.Session(Key("long-history")).GetTurnsAsync(0))!;
        Assert.Equal(200, stored.Count); // Sessions:TurnHistory: what the state holds is far more than a write
    }

    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /// <summary>
    /// Sends <paramref name="history"/> messages, each answered before the next, then returns the
    /// median of the bytes appended per message over <paramref name="measured"/> more (a write out
    /// of step with the messages, such as a compaction, moves one message's share, not the figure).
    /// </summary>
    private async Task<double> AppendedBytesPerMessageAsync(string sessionKey, int history, int measured)
    {
        var metrics = cluster.SiloService<JournalMetrics>();
        var notifications = cluster.SiloService<TurnNotifications>();
        var session = cluster.Session(sessionKey);
        var perMessage = new List<long>();
        for (var i = 1; i <= history + measured; i++)
        {
            var before = metrics.Written("session", JournalMetrics.Append).Bytes;
            var answered = notifications.NextAsync(sessionKey);
            // Every message carries a trace of its own, so the bytes do not depend on whether another test's
            // activity listener makes Orleans trace this call (the grain then keeps the call's trace instead).
            var result = await session.SubmitAsync(Message($"m{i}", $"message number {i}") with { TraceParent = TraceParent });
            Assert.Equal(SubmitOutcome.Accepted, result.Outcome);
            await answered.WaitAsync(TimeSpan.FromSeconds(10));
            if (i > history)
            {
                perMessage.Add(metrics.Written("session", JournalMetrics.Append).Bytes - before);
            }
        }

        return perMessage.Order().ElementAt(perMessage.Count / 2);
    }

    [Fact]
    public async Task A_write_the_embedded_store_completes_at_once_completes_in_the_grain_at_once_and_is_timed()
    {
        var probe = cluster.GrainFactory.GetGrain<IStateProbeGrain>("at-once");
        using var timed = new SiloInstrument(cluster, "fabric_storage_write_duration_seconds");

        Assert.True(await probe.WriteAsync(1));
        Assert.True(await probe.WriteAsync(2));

        Assert.Equal(2, timed.Measurements("probe"));
    }

    [Fact]
    public async Task A_write_that_lost_the_version_race_fails_and_is_counted()
    {
        var probe = cluster.GrainFactory.GetGrain<IStateProbeGrain>("race");
        await probe.WriteAsync(1);
        using var errors = new SiloInstrument(cluster, "fabric_storage_write_errors_total");
        var before = errors.Observe("probe");

        // Another writer (a second activation, somewhere) moves the stored state on.
        var store = cluster.SiloService<MemoryJournalStore>();
        var key = $"{cluster.SiloService<IOptions<ClusterOptions>>().Value.ServiceId}/probe/{probe.GetGrainId()}";
        var stored = await store.ReadAsync(key);
        await store.ReplaceAsync(key, stored!.Version, stored.Snapshot);

        await Assert.ThrowsAsync<InconsistentStateException>(() => probe.WriteAsync(2));
        Assert.Equal(before + 1, errors.Observe("probe"));
        Assert.Equal(stored.Version + 1, (await store.ReadAsync(key))!.Version);
    }

    /// <summary>One instrument of the silo's meters (not those of other hosts in this process), by its <c>state</c> tag.</summary>
    private sealed class SiloInstrument : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public SiloInstrument(HistoryCluster cluster, string name)
        {
            var factory = cluster.SiloService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Record(tags, 1));
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Record(tags, value));
            _listener.Start();
        }

        /// <summary>How many measurements of state <paramref name="state"/> were recorded since this began.</summary>
        public long Measurements(string state)
        {
            lock (_lock)
            {
                return _counts.GetValueOrDefault(state);
            }
        }

        /// <summary>The observable instrument's current value for state <paramref name="state"/>.</summary>
        public long Observe(string state)
        {
            lock (_lock)
            {
                _counts.Clear();
            }

            _listener.RecordObservableInstruments();
            return Measurements(state);
        }

        public void Dispose() => _listener.Dispose();

        private void Record(ReadOnlySpan<KeyValuePair<string, object?>> tags, long value)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "state" && tag.Value is string state)
                {
                    lock (_lock)
                    {
                        _counts[state] = _counts.GetValueOrDefault(state) + value;
                    }
                }
            }
        }
    }
}

/// <summary>Queue, the default turn history (200), a brain that answers at once, no webhook.</summary>
public sealed class HistoryCluster : SessionCluster
{
    public override IBrain? SharedBrain { get; } = new AnsweringBrain();

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Fabric:Sessions:DefaultStrategy"] = "queue",
    };

    private sealed class AnsweringBrain : IBrain
    {
        public Task<BrainReply> RespondAsync(BrainInput input, TurnController turn, CancellationToken cancellationToken) =>
            Task.FromResult(new BrainReply($"you said: {input.Messages[^1].Text}"));
    }
}
