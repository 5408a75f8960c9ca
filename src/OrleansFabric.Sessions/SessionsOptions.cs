using OrleansFabric.Hosting.Delivery;

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

    /// <summary>How often a session with unanswered messages is woken up by a durable reminder (so a silo's death delays, never drops, an answer). Default 10, at least 10 (Orleans' shortest reminder period here).</summary>
    public int ResumeCheckSeconds { get; set; } = 10;

    /// <summary>How long one brain attempt may take before it is cancelled and counts as a failed attempt, whatever the brain. Default 120.</summary>
    public int TurnTimeoutSeconds { get; set; } = 120;

    /// <summary>The most messages one turn takes; the rest form the next turn. Default 50.</summary>
    public int MaxMessagesPerTurn { get; set; } = 50;

    /// <summary>The brain.</summary>
    public BrainOptions Brain { get; set; } = new();

    /// <summary>Webhook delivery of completed turns (<c>Fabric:Sessions:Delivery</c>).</summary>
    public DeliveryOptions Delivery { get; set; } = new();

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
    /// <summary>The echo brain.</summary>
    public const string EchoKind = "echo";

    /// <summary>The OpenAI-compatible chat-completions brain.</summary>
    public const string OpenAiKind = "openai";

    /// <summary>echo (default) or openai.</summary>
    public string Kind { get; set; } = EchoKind;

    /// <summary>The echo brain's thinking time. Default 0.</summary>
    public int DelayMs { get; set; }

    /// <summary>
    /// The most brain calls that run at once on a silo; turns beyond it wait, in order of their
    /// first message, so that a slow model provider is not flooded. Default 64.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 64;

    /// <summary>The silo's circuit breaker on brain calls (<c>Fabric:Sessions:Brain:CircuitBreaker</c>).</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>The openai brain's endpoint (<c>Fabric:Sessions:Brain:OpenAi</c>).</summary>
    public OpenAiOptions OpenAi { get; set; } = new();
}

/// <summary>
/// The brain circuit breaker (<c>Fabric:Sessions:Brain:CircuitBreaker</c>): when at least
/// <see cref="MinimumCalls"/> brain calls ended in the last <see cref="WindowSeconds"/> and at
/// least <see cref="FailureRatio"/> of them failed, brain attempts fail at once, without calling
/// the brain, for <see cref="BreakSeconds"/>; then one probe call decides whether it closes again.
/// </summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>The share of failed calls in the window that opens the circuit (above 0, at most 1). Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>The fewest calls in the window before the circuit may open; 0 turns the breaker off. Default 20.</summary>
    public int MinimumCalls { get; set; } = 20;

    /// <summary>The rolling window the calls are counted in, in seconds of the grains' clock. Default 30.</summary>
    public int WindowSeconds { get; set; } = 30;

    /// <summary>How long the circuit stays open before a probe call may go through. Default 15.</summary>
    public int BreakSeconds { get; set; } = 15;
}

/// <summary>Settings of the OpenAI-compatible brain.</summary>
public sealed class OpenAiOptions
{
    /// <summary>The API's base URL, e.g. <c>https://api.openai.com/v1</c>; requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The model name sent with each request.</summary>
    public string? Model { get; set; }

    /// <summary>The environment variable holding the API key (sent as a bearer token when set). Default OPENAI_API_KEY.</summary>
    public string ApiKeyVariable { get; set; } = "OPENAI_API_KEY";

    /// <summary>An optional system message put before the conversation.</summary>
    public string? SystemPrompt { get; set; }

    /// <summary>How long one request may take before the attempt fails. Default 60.</summary>
    public int TimeoutSeconds { get; set; } = 60;
}
