using System.Text.Json;

namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// Cancellation of one turn's brain, with sections that a supersede must not interrupt:
/// a cancel requested during such a section takes effect when the section ends. What a section
/// returns is an effect: it is handed to the session to keep (journaled before the section
/// returns to the brain), so that no later turn does it again.
/// </summary>
public sealed class TurnController : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _lock = new();
    private readonly List<(string Effect, bool Recorded)> _effects = [];
    private readonly Func<string, Task<bool>>? _record;
    private int _protectedSections;
    private bool _cancelPending;
    private bool _disposed;
    private TaskCompletionSource? _sectionsEnded;

    /// <summary>A controller whose effects are kept with the turn's outcome only.</summary>
    public TurnController()
    {
    }

    /// <summary>
    /// A controller that hands each effect to <paramref name="record"/> as soon as its section
    /// ends, and returns the section's result once <paramref name="record"/> has finished (true:
    /// the session's state holds it; false: it travels with the turn's outcome, <see cref="UnrecordedEffects"/>).
    /// </summary>
    public TurnController(Func<string, Task<bool>> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _record = record;
    }

    /// <summary>Cancelled when the turn is superseded (outside non-cancellable sections).</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>True once a supersede asked for this turn to stop.</summary>
    public bool IsCancellationRequested
    {
        get
        {
            lock (_lock)
            {
                return _cancelPending || _cancellation.IsCancellationRequested;
            }
        }
    }

    /// <summary>
    /// What the non-cancellable sections that completed returned, in order (a string as is,
    /// anything else as JSON): side effects that happened and must not be repeated.
    /// </summary>
    public IReadOnlyList<string> Effects => EffectsWhere(recorded: null);

    /// <summary>The <see cref="Effects"/> that were not made durable when they happened.</summary>
    internal IReadOnlyList<string> UnrecordedEffects => EffectsWhere(recorded: false);

    /// <summary>
    /// Runs <paramref name="action"/> to completion even if the turn is superseded meanwhile, and
    /// records what it returned in <see cref="Effects"/>.
    /// </summary>
    public async Task<T> RunNonCancellableAsync<T>(Func<Task<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_lock)
        {
            if (_protectedSections++ == 0)
            {
                _sectionsEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        try
        {
            var result = await action().ConfigureAwait(false);
            var effect = result as string ?? JsonSerializer.Serialize(result);
            int index;
            lock (_lock)
            {
                index = _effects.Count;
                _effects.Add((effect, false));
            }

            if (_record is not null && await _record(effect).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    _effects[index] = (effect, true);
                }
            }

            return result;
        }
        finally
        {
            bool cancel;
            TaskCompletionSource? ended = null;
            lock (_lock)
            {
                if (--_protectedSections == 0)
                {
                    (ended, _sectionsEnded) = (_sectionsEnded, null);
                }

                // A section that outlived its turn (cut after a second deadline) has no one left to cancel.
                cancel = _protectedSections == 0 && _cancelPending && !_disposed;
            }

            ended?.TrySetResult();
            if (cancel)
            {
                await _cancellation.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits, up to <paramref name="limit"/> on <paramref name="time"/>, until no non-cancellable
    /// section runs; returns false if one still runs then.
    /// </summary>
    internal async Task<bool> SectionsEndAsync(TimeSpan limit, TimeProvider time)
    {
        Task ended;
        lock (_lock)
        {
            if (_sectionsEnded is null)
            {
                return true;
            }

            ended = _sectionsEnded.Task;
        }

        try
        {
            await ended.WaitAsync(limit, time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Asks the turn to stop: at once, or when its non-cancellable section ends.</summary>
    public void RequestCancel()
    {
        lock (_lock)
        {
            _cancelPending = true;
            if (_protectedSections > 0 || _disposed)
            {
                return;
            }
        }

        _cancellation.Cancel();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _cancellation.Dispose();
    }

    private string[] EffectsWhere(bool? recorded)
    {
        lock (_lock)
        {
            // An array: it crosses a grain call and is stored, and the compiler's read-only
            // wrapper for a collection expression has no Orleans copier or codec of its own.
            return _effects.Count == 0 ? [] : [.. _effects.Where(entry => recorded is null || entry.Recorded == recorded).Select(entry => entry.Effect)];
        }
    }
}
