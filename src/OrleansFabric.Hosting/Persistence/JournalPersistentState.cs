using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Serialization.Activators;
using Orleans.Storage;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// A grain's <c>[PersistentState]</c> on the fabric's <see cref="JournalGrainStorage"/>. It
/// keeps the contract of Orleans' own persistent state (read when the grain activates, before
/// <c>OnActivateAsync</c>; written, read and cleared when the grain asks, one operation at a time
/// in the order asked), with one difference: Orleans' state
/// yields to the grain's scheduler before every operation, so even a write the storage completes
/// at once (the embedded memory store) resumes the grain through queued continuations. Here an
/// operation starts at once unless an earlier one is still running, and one that completes at
/// once completes the grain's <c>await</c> at once. Writes are timed and failures counted on
/// <see cref="JournalMetrics"/>, as Orleans' state does on its own storage instruments. A grain
/// that migrates reads its state from the storage again, where every acknowledged change is.
/// </summary>
/// <typeparam name="TState">The state's type.</typeparam>
internal sealed class JournalPersistentState<TState> : IPersistentState<TState>, ILifecycleObserver
{
    private readonly string _stateName;
    private readonly IGrainContext _context;
    private readonly IGrainStorage _storage;
    private readonly JournalMetrics _metrics;
    private readonly ILogger _logger;
    private readonly GrainState<TState> _grainState;
    private Task _tail = Task.CompletedTask;

    public JournalPersistentState(string stateName, IGrainContext context, JournalGrainStorage storage, JournalMetrics metrics, ILogger logger, IActivator<TState> activator)
    {
        _stateName = stateName;
        _context = context;
        _storage = storage;
        _metrics = metrics;
        _logger = logger;
        _grainState = new GrainState<TState>(activator.Create());
        metrics.Track(stateName);
        context.ObservableLifecycle.Subscribe($"{nameof(JournalPersistentState<>)}:{stateName}", GrainLifecycleStage.SetupState, this);
    }

    /// <inheritdoc/>
    public TState State
    {
        get => _grainState.State!;
        set => _grainState.State = value;
    }

    /// <inheritdoc/>
    public string? Etag => _grainState.ETag;

    /// <inheritdoc/>
    public bool RecordExists => _grainState.RecordExists;

    /// <inheritdoc/>
    public Task ReadStateAsync() => Enqueue(Operation.Read, CancellationToken.None);

    /// <inheritdoc/>
    public Task ReadStateAsync(CancellationToken cancellationToken) => Enqueue(Operation.Read, cancellationToken);

    /// <inheritdoc/>
    public Task WriteStateAsync() => Enqueue(Operation.Write, CancellationToken.None);

    /// <inheritdoc/>
    public Task WriteStateAsync(CancellationToken cancellationToken) => Enqueue(Operation.Write, cancellationToken);

    /// <inheritdoc/>
    public Task ClearStateAsync() => Enqueue(Operation.Clear, CancellationToken.None);

    /// <inheritdoc/>
    public Task ClearStateAsync(CancellationToken cancellationToken) => Enqueue(Operation.Clear, cancellationToken);

    /// <summary>Reads the state as the grain activates.</summary>
    public Task OnStart(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.CompletedTask : ReadStateAsync(cancellationToken);

    /// <inheritdoc/>
    public Task OnStop(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private Task Enqueue(Operation operation, CancellationToken cancellationToken)
    {
        // The grain's calls are not reentrant, but a timer or a deactivation may ask while a write
        // is still in flight: operations run one after another, as Orleans' own state runs them.
        var previous = _tail;
        var next = previous.IsCompleted ? RunAsync(operation, cancellationToken) : AfterAsync(previous, operation, cancellationToken);
        _tail = next;
        return next;
    }

    private async Task AfterAsync(Task previous, Operation operation, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await RunAsync(operation, cancellationToken);
    }

    private Task RunAsync(Operation operation, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case Operation.Read:
                return _storage.ReadStateAsync(_stateName, _context.GrainId, _grainState, cancellationToken);
            case Operation.Clear:
                return _storage.ClearStateAsync(_stateName, _context.GrainId, _grainState, cancellationToken);
            default:
                var started = Stopwatch.GetTimestamp();
                var write = _storage.WriteStateAsync(_stateName, _context.GrainId, _grainState, cancellationToken);
                if (write.IsCompletedSuccessfully)
                {
                    _metrics.WriteTook(_stateName, Stopwatch.GetElapsedTime(started));
                    return write;
                }

                return TimedAsync(write, started);
        }
    }

    private async Task TimedAsync(Task write, long started)
    {
        try
        {
            await write;
            _metrics.WriteTook(_stateName, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception exception)
        {
            _metrics.WriteFailed(_stateName);
            JournalStateLog.WriteFailed(_logger, exception, _stateName, _context.GrainId);
            throw;
        }
    }

    private enum Operation
    {
        Read,
        Write,
        Clear,
    }
}

/// <summary>The log lines of <see cref="JournalPersistentState{TState}"/>.</summary>
internal static partial class JournalStateLog
{
    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "Writing state '{StateName}' of {GrainId} failed")]
    internal static partial void WriteFailed(ILogger logger, Exception exception, string stateName, GrainId grainId);
}
