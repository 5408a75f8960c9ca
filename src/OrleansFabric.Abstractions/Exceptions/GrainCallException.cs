namespace OrleansFabric;

/// <summary>
/// A grain method failed on another process with an exception type this process cannot
/// recreate; the original type name and message are kept.
/// </summary>
public sealed class GrainCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainCallException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public GrainCallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GrainCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The full name of the exception type thrown remotely.</summary>
    public string? RemoteType { get; init; }
}
