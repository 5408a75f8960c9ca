namespace OrleansFabric;

/// <summary>
/// A call was sent to the silo that owns the grain, and then the connection or the deadline
/// ended before its answer came back: it may or may not have run. The runtime never sends it
/// again; a caller that retries must make the call idempotent (message ids, operation ids).
/// HTTP 502 <c>outcome_unknown</c>.
/// </summary>
public sealed class FabricOutcomeUnknownException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FabricOutcomeUnknownException()
        : base("The call may or may not have run.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public FabricOutcomeUnknownException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public FabricOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
