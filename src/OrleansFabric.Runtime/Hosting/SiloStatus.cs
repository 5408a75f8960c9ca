namespace OrleansFabric.Runtime.Hosting;

/// <summary>A silo's membership status.</summary>
public enum SiloStatus
{
    /// <summary>Starting; not serving yet.</summary>
    Joining,

    /// <summary>Serving calls.</summary>
    Active,

    /// <summary>Finishing in-flight turns and handing off; takes no new activations.</summary>
    ShuttingDown,

    /// <summary>Stopped.</summary>
    Dead,
}
