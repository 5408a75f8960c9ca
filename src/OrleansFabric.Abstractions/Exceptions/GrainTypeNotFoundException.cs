namespace OrleansFabric;

/// <summary>No grain implementation is registered for the grain type a call addressed.</summary>
public sealed class GrainTypeNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainTypeNotFoundException()
        : base("No grain implementation is registered for this grain type.")
    {
    }

    /// <summary>Creates the exception for a grain type.</summary>
    public GrainTypeNotFoundException(GrainType grainType)
        : base($"No grain implementation is registered for grain type '{grainType}'.")
    {
        GrainType = grainType.Name;
    }

    /// <summary>Creates the exception with a message.</summary>
    public GrainTypeNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GrainTypeNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The grain type name that was not found.</summary>
    public string? GrainType { get; }
}
