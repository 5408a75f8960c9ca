namespace OrleansFabric.Sessions;

/// <summary>Session settings (<c>Fabric:Sessions</c>).</summary>
public sealed class SessionsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Fabric:Sessions";

    /// <summary>The strategy of channels not listed in <see cref="Channels"/>. Default aggregate.</summary>
    public string DefaultStrategy { get; set; } = SessionStrategy.Aggregate.Name();

    /// <summary>Per-channel settings; defaults: whatsapp, sms, telegram aggregate; web, mobile_app supersede.</summary>
    public IDictionary<string, ChannelOptions> Channels { get; } = new Dictionary<string, ChannelOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Messages this close to the previous one join the same turn. Default 1500.</summary>
    public int AggregationWindowMs { get; set; } = 1500;

    /// <summary>A turn starts at most this long after its first message. Default 5000.</summary>
    public int MaxAggregationDelayMs { get; set; } = 5000;

    /// <summary>Unprocessed messages a session holds before it answers queue_full. Default 100.</summary>
    public int MaxPendingMessages { get; set; } = 100;

    /// <summary>Turns kept per session. Default 200.</summary>
    public int TurnHistory { get; set; } = 200;

    /// <summary>How often a session with unanswered messages is woken up by a durable reminder (so a silo's death delays, never drops, an answer). Default 10.</summary>
    public int ResumeCheckSeconds { get; set; } = 10;

    /// <summary>The brain.</summary>
    public BrainOptions Brain { get; set; } = new();

    /// <summary>The strategy of <paramref name="channel"/>.</summary>
    public SessionStrategy StrategyFor(string channel)
    {
        if (Channels.TryGetValue(channel, out var configured) && !string.IsNullOrEmpty(configured.Strategy))
        {
            return SessionStrategies.Parse(configured.Strategy);
        }

        return channel.ToLowerInvariant() switch
        {
            "web" or "mobile_app" => SessionStrategy.Supersede,
            "whatsapp" or "sms" or "telegram" => SessionStrategy.Aggregate,
            _ => SessionStrategies.Parse(DefaultStrategy),
        };
    }
}

/// <summary>Settings of one channel.</summary>
public sealed class ChannelOptions
{
    /// <summary>queue, aggregate, supersede or reject.</summary>
    public string? Strategy { get; set; }
}

/// <summary>Brain settings (<c>Fabric:Sessions:Brain</c>).</summary>
public sealed class BrainOptions
{
    /// <summary>echo (default) or openai.</summary>
    public string Kind { get; set; } = "echo";

    /// <summary>The echo brain's thinking time. Default 0.</summary>
    public int DelayMs { get; set; }
}
