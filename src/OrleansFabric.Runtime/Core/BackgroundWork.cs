using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Runtime;

/// <summary>
/// A handle on slow work started off the mailbox by <see cref="Grain.StartBackgroundWork{T}"/>.
/// </summary>
public sealed class BackgroundWork
{
    private readonly CancellationTokenSource _cancellation;

    private BackgroundWork(CancellationTokenSource cancellation) => _cancellation = cancellation;

    /// <summary>True once <see cref="Cancel"/> was called or the activation ended.</summary>
    public bool IsCancellationRequested => _cancellation.IsCancellationRequested;

    /// <summary>Cancels the work's token. The completion turn still runs, reporting the cancellation.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The work has already completed and released its token.
        }
    }

    internal static BackgroundWork Start<T>(ActivationData activation, Func<CancellationToken, Task<T>> work, Func<BackgroundResult<T>, Task> onCompleted, CancellationToken alsoCancelledBy)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(onCompleted);
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(activation.Lifetime, alsoCancelledBy);
        var handle = new BackgroundWork(cancellation);
        activation.BackgroundWorkStarted();
        _ = Task.Run(() => RunAsync(activation, work, onCompleted, cancellation), CancellationToken.None);
        return handle;
    }

    private static async Task RunAsync<T>(ActivationData activation, Func<CancellationToken, Task<T>> work, Func<BackgroundResult<T>, Task> onCompleted, CancellationTokenSource cancellation)
    {
        BackgroundResult<T> result;
        try
        {
            var value = await work(cancellation.Token).ConfigureAwait(false);
            result = new BackgroundResult<T>(value, null, false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            result = new BackgroundResult<T>(default, null, true);
        }
        catch (Exception exception)
        {
            result = new BackgroundResult<T>(default, exception, false);
        }
        finally
        {
            cancellation.Dispose();
        }

        activation.BackgroundWorkCompleted(new BackgroundCompletionRequest<T>(onCompleted, result));
    }
}
