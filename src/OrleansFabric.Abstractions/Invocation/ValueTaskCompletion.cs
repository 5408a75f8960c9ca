using System.Threading.Tasks.Sources;

namespace OrleansFabric.Invocation;

/// <summary>
/// The completion a <see cref="GrainRequest{TResult}"/> hands to callers of methods that return
/// a <see cref="ValueTask"/>. It is completed on a thread-pool thread, so continuations run
/// there directly. Its non-generic view never throws: it tells the one party that waits for
/// the outcome on behalf of someone else (a silo running a forwarded call) that the call ended.
/// </summary>
internal sealed class ValueTaskCompletion<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    public ValueTask<TResult> AsValueTask() => new(this, _core.Version);

    public ValueTask AsCompletionValueTask() => new(this, _core.Version);

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public TResult GetResult(short token) => _core.GetResult(token);

    void IValueTaskSource.GetResult(short token)
    {
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Succeeded)
        {
            _core.GetResult(token);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
