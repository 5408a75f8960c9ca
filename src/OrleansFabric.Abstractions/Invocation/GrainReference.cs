namespace OrleansFabric.Invocation;

/// <summary>
/// Base class of the generated grain references (proxies). A reference holds the grain id and
/// the invoker that carries its calls; it has no other state and may be shared freely.
/// </summary>
public abstract class GrainReference(GrainId grainId, IGrainCallInvoker invoker)
{
    /// <summary>The grain this reference addresses.</summary>
    public GrainId GrainId { get; } = grainId;

    /// <summary>The call path used by the generated methods.</summary>
    protected IGrainCallInvoker Invoker { get; } = invoker;

    /// <inheritdoc/>
    public override string ToString() => GrainId.ToString();
}
