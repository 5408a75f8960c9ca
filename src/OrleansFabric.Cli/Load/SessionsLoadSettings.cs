namespace OrleansFabric.Cli.Load;

/// <summary>The options of <c>fabric load sessions</c>.</summary>
/// <param name="Sessions">How many sessions the messages go to, round robin.</param>
/// <param name="Messages">At most this many messages.</param>
/// <param name="Duration">At most this long sending.</param>
/// <param name="Rate">Messages per second on a fixed schedule (open loop), or null for closed-loop workers.</param>
/// <param name="Concurrency">Closed loop: the workers; open loop: the most requests in flight.</param>
/// <param name="Channel">The sessions' channel (it picks their strategy).</param>
/// <param name="Tenant">The sessions' tenant.</param>
/// <param name="Agent">The sessions' agent.</param>
/// <param name="AwaitAnswers">Whether to watch the turns and measure message-to-answer latency.</param>
/// <param name="AnswerTimeout">How long to wait for the last answers after sending.</param>
internal sealed record SessionsLoadSettings(
    int Sessions,
    long Messages,
    TimeSpan Duration,
    double? Rate,
    int Concurrency,
    string Channel,
    string Tenant,
    string Agent,
    bool AwaitAnswers,
    TimeSpan AnswerTimeout);
