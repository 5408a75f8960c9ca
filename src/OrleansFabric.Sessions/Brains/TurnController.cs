using System.Text.Json;

namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// Cancellation of one turn's brain, with sections that a supersede must not interrupt:
/// a cancel requested during such a section takes effect when the section ends.
/// </summary>
public sealed class TurnController : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _lock = new();
    private readonly List<string> _effects = [];
    private int _protectedSections;
    private bool _cancelPending;

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
    public IReadOnlyList<string> Effects
    {
        get
        {
            lock (_lock)
            {
                // An array: it crosses a grain call and is stored, and the compiler's read-only
                // wrapper for a collection expression has no Orleans copier or codec of its own.
                return _effects.Count == 0 ? [] : _effects.ToArray();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> to completion even if the turn is superseded meanwhile, and
    /// records what it returned in <see cref="Effects"/>.
    /// </summary>
    public async Task<T> RunNonCancellableAsync<T>(Func<Task<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_lock)
        {
            _protectedSections++;
        }

        try
        {
            var result = await action().ConfigureAwait(false);
            var effect = result as string ?? JsonSerializer.Serialize(result);
            lock (_lock)
            {
                _effects.Add(effect);
            }

            return result;
        }
        finally
        {
            bool cancel;
            lock (_lock)
            {
                cancel = --_protectedSections == 0 && _cancelPending;
            }

            if (cancel)
            {
                await _cancellation.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Asks the turn to stop: at once, or when its non-cancellable section ends.</summary>
    public void RequestCancel()
    {
        lock (_lock)
        {
            _cancelPending = true;
            if (_protectedSections > 0)
            {
                return;
            }
        }

        _cancellation.Cancel();
    }

    /// <inheritdoc/>
    public void Dispose() => _cancellation.Dispose();
}
