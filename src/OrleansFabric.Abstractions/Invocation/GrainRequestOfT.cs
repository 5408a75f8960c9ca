using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Tasks.Sources;

namespace OrleansFabric.Invocation;

/// <summary>
/// A request whose method returns <typeparamref name="TResult"/> (<see cref="VoidResult"/> for
/// methods without a value). The request is its own completion source, so a call allocates
/// the request and nothing else on the runtime's side.
/// </summary>
public abstract class GrainRequest<TResult> : GrainRequest, IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _completion = new() { RunContinuationsAsynchronously = true };
    private Exception? _exception;
    private int _completed;

    /// <inheritdoc/>
    public override Exception? Exception => _exception;

    /// <summary>The caller's view of the outcome.</summary>
    public ValueTask<TResult> AsValueTask() => new(this, _completion.Version);

    /// <summary>The caller's view of the outcome, for methods that return no value.</summary>
    public ValueTask AsVoidValueTask() => new(this, _completion.Version);

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
            _completion.SetException(exception);
        }
    }

    /// <inheritdoc/>
    public sealed override ValueTask CompletionAsync() => AsVoidValueTask();

    private void Complete(TResult result)
    {
        // The first outcome wins: a caller's cancellation may race a remote answer.
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _completion.SetResult(result);
        }
    }

    /// <inheritdoc/>
    public sealed override void WriteResult(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var result = _completion.GetResult(_completion.Version);
        if (typeof(TResult) == typeof(VoidResult))
        {
            writer.WriteNullValue();
            return;
        }

        GrainSerializer.Write(writer, result, options);
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

    TResult IValueTaskSource<TResult>.GetResult(short token) => _completion.GetResult(token);

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _completion.GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    /// <summary>Rethrows the recorded exception with its original stack trace, if there is one.</summary>
    public void ThrowIfFailed()
    {
        if (_exception is not null)
        {
            ExceptionDispatchInfo.Throw(_exception);
        }
    }
}
