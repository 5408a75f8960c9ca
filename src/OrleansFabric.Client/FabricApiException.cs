namespace OrleansFabric.Client;

/// <summary>
/// The silo refused a call with one of the API's error codes (unauthorized, forbidden,
/// validation_failed, …). Nothing ran.
/// </summary>
public sealed class FabricApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FabricApiException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public FabricApiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public FabricApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The API error code (API.md), such as <c>forbidden</c>.</summary>
    public string Code { get; init; } = "unknown";

    /// <summary>The HTTP status.</summary>
    public int Status { get; init; }
}
