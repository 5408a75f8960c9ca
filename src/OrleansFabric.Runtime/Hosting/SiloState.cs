namespace OrleansFabric.Runtime.Hosting;

/// <summary>This silo's identity and status, as health checks and the cluster view report them.</summary>
public sealed class SiloState
{
    private volatile SiloStatus _status = SiloStatus.Joining;
    private volatile bool _serving = true;
    private volatile bool _drainRequested;

    /// <summary>Creates the state with a fresh silo id.</summary>
    public SiloState(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        StartedAt = time.GetUtcNow();
        SiloId = $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>A unique id for this silo process.</summary>
    public string SiloId { get; }

    /// <summary>The address this silo advertises (its HTTP address on the embedded silo).</summary>
    public string Endpoint { get; set; } = "local";

    /// <summary>When this silo started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The current status.</summary>
    public SiloStatus Status
    {
        get => _status;
        internal set => _status = value;
    }

    /// <summary>
    /// False while a cluster silo cannot renew its partition leases (for example while
    /// PostgreSQL is unreachable); always true on the embedded silo.
    /// </summary>
    public bool IsServingLeases
    {
        get => _serving;
        internal set => _serving = value;
    }

    /// <summary>
    /// True once an operator asked this silo to drain (<c>POST /v1/cluster/silos/{id}/drain</c>):
    /// a cluster silo then takes no new partitions and hands its own to the other live silos as
    /// soon as there are any. A lone silo keeps serving, since no one could take them.
    /// </summary>
    public bool IsDrainRequested => _drainRequested;

    /// <summary>Asks this silo to drain (see <see cref="IsDrainRequested"/>); asking again changes nothing.</summary>
    public void RequestDrain() => _drainRequested = true;

    /// <summary>True when the silo serves calls (ready): Active and serving its leases.</summary>
    public bool IsReady => _status == SiloStatus.Active && _serving;
}
