namespace OrleansFabric;

/// <summary>
/// A state write found a different ETag in storage than the one the activation read, or the
/// writing silo no longer holds the grain's partition. The activation is dropped; the next
/// call activates the grain again and reloads its state.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InconsistentStateException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InconsistentStateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public InconsistentStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The ETag the writer expected (null when it expected no record).</summary>
    public string? ExpectedETag { get; init; }

    /// <summary>The ETag found in storage (null when there is no record).</summary>
    public string? StoredETag { get; init; }
}
