namespace OrleansFabric.Runtime.Clustering;

/// <summary>
/// The silo-to-silo wire protocol (HTTP/2 cleartext on the silo port):
/// <c>POST /internal/v1/calls/{grainType}/{method}?key=…</c> with the arguments as a JSON array,
/// the cluster secret and the partition epoch the sender expects in headers. The owner answers
/// 200 with the result as JSON, 200 with <see cref="OutcomeHeader"/> = <c>exception</c> and the
/// exception as JSON, or 421 (Misdirected Request) when it does not serve the partition, before
/// anything runs.
/// </summary>
public static class SiloProtocol
{
    /// <summary>The path prefix of forwarded calls.</summary>
    public const string CallsPath = "/internal/v1/calls";

    /// <summary>The path of "drain yourself" (202), sent by the silo that received a drain request for this one.</summary>
    public const string DrainPath = "/internal/v1/drain";

    /// <summary>The header carrying the cluster secret.</summary>
    public const string SecretHeader = "X-Fabric-Cluster-Secret";

    /// <summary>The header carrying the lease epoch the sender expects the receiver to hold.</summary>
    public const string EpochHeader = "X-Fabric-Epoch";

    /// <summary>The response header that marks an exception outcome.</summary>
    public const string OutcomeHeader = "X-Fabric-Outcome";

    /// <summary>The value of <see cref="OutcomeHeader"/> for a grain exception.</summary>
    public const string ExceptionOutcome = "exception";

    /// <summary>The status code of "not the owner of this partition".</summary>
    public const int NotOwnerStatus = 421;
}
