using System.Text.Json;

namespace OrleansFabric.Invocation;

/// <summary>
/// One call to one grain method: its arguments, and (once handled) its outcome. The code
/// generator emits a sealed subclass per interface method; the runtime queues it in the
/// target activation's mailbox, runs it, and completes the caller from it. Arguments cross
/// a process boundary as a JSON array written with System.Text.Json source-generated
/// metadata (no per-call reflection).
/// </summary>
public abstract class GrainRequest
{
    /// <summary>The method this request calls.</summary>
    public abstract GrainMethod Method { get; }

    /// <summary>
    /// The caller's cancellation token (from the method's <see cref="System.Threading.CancellationToken"/>
    /// parameter, if it has one). A request cancelled before its turn starts is not run; once
    /// running, the grain method receives the token and decides.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    [ThreadStatic]
    private static GrainRequest? t_runningInline;

    private const int Queued = 0;
    private const int Started = 1;
    private const int Abandoned = 2;
    private int _startState;
    private CancellationTokenRegistration _cancellation;

    /// <summary>The exception the call ended with, once it has ended with one.</summary>
    public abstract Exception? Exception { get; }

    /// <summary>Writes the arguments as a JSON array.</summary>
    public abstract void WriteArguments(Utf8JsonWriter writer, JsonSerializerOptions options);

    /// <summary>Reads the arguments from a JSON array; the reader is positioned on its start.</summary>
    public abstract void ReadArguments(ref Utf8JsonReader reader, JsonSerializerOptions options);

    /// <summary>
    /// Runs the method on <paramref name="grain"/> and records its outcome. Never throws: a
    /// failure of the grain method is recorded as the request's <see cref="Exception"/>.
    /// </summary>
    public abstract ValueTask InvokeAsync(object grain);

    /// <summary>
    /// Completes when the call has ended, successfully or not (it does not throw). Awaited once,
    /// by the one party that waits for the outcome instead of the typed caller (the silo that
    /// runs a call forwarded from another silo), and obtained before the request is dispatched.
    /// </summary>
    public abstract ValueTask CompletionAsync();

    /// <summary>Ends the call with <paramref name="exception"/> without running it; the first outcome wins.</summary>
    public abstract void Fail(Exception exception);

    /// <summary>Writes the successful result as JSON (<c>null</c> for void methods).</summary>
    public abstract void WriteResult(Utf8JsonWriter writer, JsonSerializerOptions options);

    /// <summary>Reads a result written by <see cref="WriteResult"/> and completes the call with it.</summary>
    public abstract void CompleteFromJson(ref Utf8JsonReader reader, JsonSerializerOptions options);

    /// <inheritdoc/>
    public override string ToString() => Method.ToString();

    /// <summary>
    /// The request whose turn the runtime is running on its caller's own thread, before the
    /// caller has awaited it: its outcome is handed over at once, with no thread hop.
    /// </summary>
    internal static GrainRequest? RunningInline
    {
        get => t_runningInline;
        set => t_runningInline = value;
    }

    /// <summary>
    /// Arranges for the call to end with <see cref="OperationCanceledException"/> if its token
    /// is cancelled before the runtime starts it.
    /// </summary>
    internal void WatchCancellation()
    {
        if (CancellationToken.CanBeCanceled)
        {
            _cancellation = CancellationToken.UnsafeRegister(
                static state => ((GrainRequest)state!).TryAbandon(new OperationCanceledException("The grain call was cancelled before it started.")),
                this);
        }
    }

    /// <summary>Claims the request for execution; false if it was abandoned first.</summary>
    internal bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _startState, Started, Queued) != Queued)
        {
            return false;
        }

        _cancellation.Dispose();
        return true;
    }

    /// <summary>Ends a request that has not started with <paramref name="exception"/>; false if it already started.</summary>
    internal bool TryAbandon(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _startState, Abandoned, Queued) != Queued)
        {
            return false;
        }

        Fail(exception);
        return true;
    }
}
