using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Activation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>The embedded single silo's call path: every grain lives here.</summary>
internal sealed class LocalDispatcher(Catalog catalog) : GrainDispatcher(catalog)
{
    public override void Dispatch(GrainId target, GrainRequest request) => DispatchLocal(target, request);
}
