using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>Delivers the outcome of background work to its grain as a turn.</summary>
internal sealed class BackgroundCompletionRequest<T>(Func<BackgroundResult<T>, Task> onCompleted, BackgroundResult<T> result)
    : SystemRequest(s_method)
{
    private static readonly GrainMethod s_method = Describe("BackgroundCompleted");

    protected override ValueTask<VoidResult> InvokeCore(object grain) => AwaitVoid(onCompleted(result));
}
