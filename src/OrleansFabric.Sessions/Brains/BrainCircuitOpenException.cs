namespace OrleansFabric.Sessions.Brains;

/// <summary>A brain attempt refused by the open <see cref="BrainCircuitBreaker"/>: the brain was not called. It counts as a failed attempt.</summary>
public sealed class BrainCircuitOpenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BrainCircuitOpenException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public BrainCircuitOpenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public BrainCircuitOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
