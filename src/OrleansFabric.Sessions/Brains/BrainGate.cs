using Microsoft.Extensions.Options;

namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// The silo-wide cap on brain calls (<c>Sessions:Brain:MaxConcurrentCalls</c>), the analysis's
/// global queue: a slow model provider is not flooded by every session at once. Calls beyond
/// the cap wait, granted in order of their turn's first message (then of arrival), and leave
/// the queue when their turn is cancelled (a supersede, or the activation ending).
/// </summary>
public sealed class BrainGate
{
    private readonly Lock _lock = new();
    private readonly SortedSet<Waiter> _waiting = new(WaiterOrder.Instance);
    private readonly int _limit;
    private int _inFlight;
    private long _arrivals;
    private long _waited;

    /// <summary>Creates the gate with the configured cap.</summary>
    public BrainGate(IOptions<SessionsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limit = options.Value.Brain.MaxConcurrentCalls;
    }

    /// <summary>Brain calls running now.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Brain calls waiting for a place now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Brain calls that had to wait for a place, since start.</summary>
    public long WaitedTotal => Interlocked.Read(ref _waited);

    /// <summary>
    /// Waits for a place for a call of the turn whose first message arrived at
    /// <paramref name="firstMessageAt"/>; dispose the lease when the call ends.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting (the call left the queue).</exception>
    public Task<IDisposable> EnterAsync(DateTimeOffset firstMessageAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            if (_inFlight < _limit && _waiting.Count == 0)
            {
                _inFlight++;
                return Task.FromResult<IDisposable>(new Lease(this));
            }

            waiter = new Waiter(this, firstMessageAt, ++_arrivals);
            _waiting.Add(waiter);
            _waited++;
        }

        // Registered outside the lock: a token cancelled already runs Leave at once. Should the
        // place be granted first, Leave finds nothing to remove.
        waiter.Registration = cancellationToken.Register(static state => ((Waiter)state!).Leave(), waiter);
        return waiter.Granted.Task;
    }

    private void Leave(Waiter waiter)
    {
        bool removed;
        lock (_lock)
        {
            removed = _waiting.Remove(waiter);
        }

        if (removed)
        {
            waiter.Granted.TrySetCanceled();
        }
    }

    private void Release()
    {
        Waiter? next;
        lock (_lock)
        {
            next = _waiting.Min;
            if (next is null)
            {
                _inFlight--;
                return;
            }

            // The place passes to the first waiter: in flight stays the same.
            _waiting.Remove(next);
        }

        next.Registration.Dispose();
        next.Granted.TrySetResult(new Lease(this));
    }

    private sealed class Lease(BrainGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    private sealed class Waiter(BrainGate gate, DateTimeOffset firstMessageAt, long arrival)
    {
        public DateTimeOffset FirstMessageAt { get; } = firstMessageAt;

        public long Arrival { get; } = arrival;

        public TaskCompletionSource<IDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public void Leave() => gate.Leave(this);
    }

    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? x, Waiter? y) =>
            ReferenceEquals(x, y) ? 0
            : x is null ? -1
            : y is null ? 1
            : x.FirstMessageAt != y.FirstMessageAt ? x.FirstMessageAt.CompareTo(y.FirstMessageAt)
            : x.Arrival.CompareTo(y.Arrival);
    }
}
