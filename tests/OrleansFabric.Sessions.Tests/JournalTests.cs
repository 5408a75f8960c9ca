using OrleansFabric.Hosting.Persistence;
using OrleansFabric.Sessions.Brains;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// With the fabric's journaled storage (the silo's default), a session's writes append what
/// changed: the bytes written per message are the same with 10 turns of history as with 1,000.
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

    /// <summary>Sends <paramref name="history"/> messages, each answered before the next, then returns the bytes appended per message over <paramref name="measured"/> more.</summary>
    private async Task<double> AppendedBytesPerMessageAsync(string sessionKey, int history, int measured)
    {
        var metrics = cluster.SiloService<JournalMetrics>();
        var notifications = cluster.SiloService<TurnNotifications>();
        var session = cluster.Session(sessionKey);
        long before = 0;
        for (var i = 1; i <= history + measured; i++)
        {
            if (i == history + 1)
            {
                before = metrics.Written("session", JournalMetrics.Append).Bytes;
            }

            var answered = notifications.NextAsync(sessionKey);
            var result = await session.SubmitAsync(Message($"m{i}", $"message number {i}"));
            Assert.Equal(SubmitOutcome.Accepted, result.Outcome);
            await answered.WaitAsync(TimeSpan.FromSeconds(10));
        }

        return (metrics.Written("session", JournalMetrics.Append).Bytes - before) / (double)measured;
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
