using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;

namespace OrleansFabric.Invocation;

/// <summary>
/// A request whose method returns <typeparamref name="TResult"/> (<see cref="VoidResult"/> for
/// methods without a value). A request records its outcome once and hands it to the caller
/// from a thread-pool work item (the request itself, so the hop allocates nothing): the
/// caller's code never runs on the grain's activation. Methods that return a
/// <see cref="Task"/> complete one task built in place; methods that return a
/// <see cref="ValueTask"/> complete a small reusable-shape source.
/// </summary>
public abstract class GrainRequest<TResult> : GrainRequest, IThreadPoolWorkItem
{
    private AsyncTaskMethodBuilder<TResult> _task;
    private ValueTaskCompletion<TResult>? _valueTask;
    private TResult _result = default!;
    private Exception? _exception;
    private int _completed;

    /// <inheritdoc/>
    public override Exception? Exception => _exception;

    /// <summary>
    /// True when the generated method returns a <see cref="Task"/>: the caller then gets a
    /// task completed in place instead of a task wrapped around a value-task source.
    /// </summary>
    protected virtual bool CompletesAsTask => false;

    /// <summary>The caller's view of the outcome. Call it once, before the request is sent.</summary>
    public ValueTask<TResult> AsValueTask() =>
        CompletesAsTask ? new ValueTask<TResult>(_task.Task) : EnsureValueTask().AsValueTask();

    /// <inheritdoc/>
    public sealed override ValueTask CompletionAsync() =>
        CompletesAsTask ? new ValueTask(_task.Task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)) : EnsureValueTask().AsCompletionValueTask();

    /// <summary>Calls the grain method (generated).</summary>
    protected abstract ValueTask<TResult> InvokeCore(object grain);

    /// <inheritdoc/>
    public sealed override ValueTask InvokeAsync(object grain)
    {
        ValueTask<TResult> pending;
        try
        {
            pending = InvokeCore(grain);
        }
        catch (Exception exception)
        {
            Fail(exception);
            return default;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Complete(pending.Result);
            return default;
        }

        return AwaitCompletion(pending);
    }

    /// <inheritdoc/>
    public sealed override void Fail(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _exception = exception;
            HandOver();
        }
    }

    /// <inheritdoc/>
    public sealed override void WriteResult(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (typeof(TResult) == typeof(VoidResult))
        {
            writer.WriteNullValue();
            return;
        }

        GrainSerializer.Write(writer, _result, options);
    }

    /// <inheritdoc/>
    public sealed override void CompleteFromJson(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        TResult result;
        try
        {
            result = typeof(TResult) == typeof(VoidResult) ? default! : GrainSerializer.ReadCurrent<TResult>(ref reader, options);
        }
        catch (JsonException exception)
        {
            Fail(exception);
            return;
        }

        Complete(result);
    }

    /// <summary>Rethrows the recorded exception with its original stack trace, if there is one.</summary>
    public void ThrowIfFailed()
    {
        if (_exception is not null)
        {
            ExceptionDispatchInfo.Throw(_exception);
        }
    }

    /// <summary>Hands the outcome to the caller, on a thread-pool thread.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        if (CompletesAsTask)
        {
            if (_exception is null)
            {
                _task.SetResult(_result);
            }
            else
            {
                _task.SetException(_exception);
            }

            return;
        }

        var completion = EnsureValueTask();
        if (_exception is null)
        {
            completion.SetResult(_result);
        }
        else
        {
            completion.SetException(_exception);
        }
    }

    private void Complete(TResult result)
    {
        // The first outcome wins: a caller's cancellation may race a remote answer.
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _result = result;
            HandOver();
        }
    }

    /// <summary>
    /// Gives the outcome to the caller: at once when the turn ran on the caller's own thread
    /// before it awaited (nobody is waiting yet, so no caller code runs here), otherwise from a
    /// thread-pool work item, so the caller's code never runs on the grain's activation.
    /// </summary>
    private void HandOver()
    {
        if (ReferenceEquals(RunningInline, this))
        {
            ((IThreadPoolWorkItem)this).Execute();
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    private ValueTaskCompletion<TResult> EnsureValueTask() =>
        _valueTask ?? Interlocked.CompareExchange(ref _valueTask, new ValueTaskCompletion<TResult>(), null) ?? _valueTask;

    private async ValueTask AwaitCompletion(ValueTask<TResult> pending)
    {
        TResult result;
        try
        {
            result = await pending;
        }
        catch (Exception exception)
        {
            Fail(exception);
            return;
        }

        Complete(result);
    }
}
