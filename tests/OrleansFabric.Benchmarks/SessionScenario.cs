namespace OrleansFabric.Benchmarks;

/// <summary>
/// One of the ACF analysis's problem scenarios (section 2.3), in unscaled seconds: when each
/// session sends each message, and how long the brain takes for a turn.
/// </summary>
internal sealed class SessionScenario(string name, IReadOnlyList<ScheduledMessage> messages, Func<int, TimeSpan, TimeSpan> brainLatency)
{
    public string Name { get; } = name;

    public IReadOnlyList<ScheduledMessage> Messages { get; } = messages;

    public int Sessions => Messages.Select(message => message.SessionKey).Distinct().Count();

    /// <summary>Scenario 1: 5 messages in 10 s per session, an 8 s brain.</summary>
    public static SessionScenario ChattyUser(int sessions) => new(
        "1. chatty user: 5 messages in 10 s, 8 s brain",
        [.. Keys(sessions, "s1").SelectMany((key, s) => Enumerable.Range(0, 5).Select(n => new ScheduledMessage(key, $"{s}-{n}", Offset(s) + (n * 2.5))))],
        (_, _) => TimeSpan.FromSeconds(8));

    /// <summary>Scenario 2: the first turn runs a 15 s tool; a second message comes at +2 s; later turns take 1 s.</summary>
    public static SessionScenario SlowTool(int sessions) => new(
        "2. slow tool: 15 s turn, message at +2 s",
        [.. Keys(sessions, "s2").SelectMany((key, s) => new[] { new ScheduledMessage(key, $"{s}-0", Offset(s)), new ScheduledMessage(key, $"{s}-1", Offset(s) + 2) })],
        (turn, _) => TimeSpan.FromSeconds(turn == 0 ? 15 : 1));

    /// <summary>Scenario 3: 200 sessions each send a message every 4 s for 40 s while the LLM's latency climbs from 1 s to 10 s.</summary>
    public static SessionScenario LlmDegradation(int sessions) => new(
        $"3. LLM degradation: {sessions} sessions, brain 1 s → 10 s",
        [.. Keys(sessions, "s3").SelectMany((key, s) => Enumerable.Range(0, 10).Select(n => new ScheduledMessage(key, $"{s}-{n}", Offset(s) * 4 + (n * 4))))],
        (_, elapsed) => TimeSpan.FromSeconds(1 + (9 * Math.Clamp(elapsed.TotalSeconds / 40, 0, 1))));

    /// <summary>A fresh brain model for one run: the turn index per session drives the latency.</summary>
    public BrainModel NewBrain(double scale) => new(brainLatency, scale);

    // Each scenario has its own agent id, so its sessions are fresh on a silo that ran the others.
    private static IEnumerable<string> Keys(int count, string agent) => Enumerable.Range(0, count).Select(i => $"bench:{agent}:+4670{i:D7}:sms");

    // Sessions start within the first second, spread evenly, so they do not move in lockstep.
    private static double Offset(int session) => (session * 0.618) % 1.0;
}
