namespace OrleansFabric;

/// <summary>
/// The call could not be placed: the silo is shutting down, or no silo owns the grain's
/// partition yet. Nothing ran; the caller may retry (HTTP 503 <c>unavailable</c>).
/// </summary>
public sealed class FabricUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FabricUnavailableException()
        : base("The grain is not available on this silo right now; retry.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public FabricUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public FabricUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How long the caller should wait before retrying.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
