namespace OrleansFabric.Silo.Hosting;

/// <summary>The silo's configuration does not allow it to start; the message names each setting and why.</summary>
public sealed class SiloConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SiloConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SiloConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SiloConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
