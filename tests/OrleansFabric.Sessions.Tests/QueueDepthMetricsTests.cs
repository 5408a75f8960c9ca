using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// The queue gauges on a silo of its own: <c>fabric_session_queue_depth_max</c> is the deepest
/// single session of a tenant, channel and strategy (what the per-session alert reads), and
/// <c>fabric_session_queue_depth</c> the sum of that group's sessions.
/// </summary>
public sealed class QueueDepthMetricsTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    private const string Deepest = "fabric_session_queue_depth_max";
    private const string Depth = "fabric_session_queue_depth";

    [Fact]
    public async Task The_max_gauge_is_the_deepest_single_session_and_the_depth_gauge_the_sum_of_the_sessions()
    {
        var silo = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress);

        // No session yet: one zero without labels.
        Assert.Equal(new Dictionary<string, long> { [string.Empty] = 0 }, SessionGaugeReader.ReadSeries(silo, Deepest));
        Assert.Equal(new Dictionary<string, long> { [string.Empty] = 0 }, SessionGaugeReader.ReadSeries(silo, Depth));

        // Two queue sessions of one tenant and channel, with 3 and 5 unanswered messages (their
        // brains hold the first turn), and one session of another tenant with 2.
        var sessions = new[] { ("depth:a:u1:custom", 3), ("depth:a:u2:custom", 5), ("other:a:u1:custom", 2) };
        foreach (var (key, count) in sessions)
        {
            SubmitResult? last = null;
            for (var i = 1; i <= count; i++)
            {
                last = await cluster.Session(key).SubmitAsync(Message($"m{i}", $"message {i}"));
            }

            Assert.Equal(new SubmitResult(SubmitOutcome.Accepted, count), last);
        }

        Assert.Equal(new Dictionary<string, long> { ["depth/custom/queue"] = 5, ["other/custom/queue"] = 2 }, SessionGaugeReader.ReadSeries(silo, Deepest));
        Assert.Equal(new Dictionary<string, long> { ["depth/custom/queue"] = 8, ["other/custom/queue"] = 2 }, SessionGaugeReader.ReadSeries(silo, Depth));

        // Every message answered: back to one zero without labels.
        foreach (var (key, count) in sessions)
        {
            for (var i = 0; i < count; i++)
            {
                (await cluster.Brain(key).NextCallAsync()).Answer($"r{i}");
            }
        }

        await Until.TrueAsync(() => Task.FromResult(SessionGaugeReader.ReadSeries(silo, Deepest).SequenceEqual([KeyValuePair.Create(string.Empty, 0L)])), "every queue drained");
        Assert.Equal(new Dictionary<string, long> { [string.Empty] = 0 }, SessionGaugeReader.ReadSeries(silo, Depth));
    }
}
