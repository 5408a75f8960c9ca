namespace OrleansFabric.Sessions;

/// <summary>What a session does with messages that arrive while a turn runs.</summary>
public enum SessionStrategy
{
    /// <summary>One turn per message, strictly in arrival order.</summary>
    Queue,

    /// <summary>Messages close together, and all that arrive during a turn, form the next single turn.</summary>
    Aggregate,

    /// <summary>A new message cancels the running turn; the next turn covers both turns' messages.</summary>
    Supersede,

    /// <summary>While a turn runs, new messages are refused (session_busy).</summary>
    Reject,
}

/// <summary>Names of <see cref="SessionStrategy"/> values as configuration and the API spell them.</summary>
public static class SessionStrategies
{
    /// <summary>The lower-case name.</summary>
    public static string Name(this SessionStrategy strategy) => strategy switch
    {
        SessionStrategy.Queue => "queue",
        SessionStrategy.Aggregate => "aggregate",
        SessionStrategy.Supersede => "supersede",
        _ => "reject",
    };

    /// <summary>Parses a name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not a strategy name.</exception>
    public static SessionStrategy Parse(string name) => name.ToLowerInvariant() switch
    {
        "queue" => SessionStrategy.Queue,
        "aggregate" => SessionStrategy.Aggregate,
        "supersede" => SessionStrategy.Supersede,
        "reject" => SessionStrategy.Reject,
        _ => throw new ArgumentException($"'{name}' is not a session strategy (queue, aggregate, supersede, reject).", nameof(name)),
    };
}
