using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansFabric.Sessions.Brains;

/// <summary>
/// The silo-wide circuit breaker on brain calls (<c>Sessions:Brain:CircuitBreaker</c>): a model
/// provider whose recent calls mostly failed is given a rest instead of every session's retries.
/// Closed, it counts the outcome of each call in a rolling window of one-second buckets on the
/// grains' clock; once the window holds at least <see cref="CircuitBreakerOptions.MinimumCalls"/>
/// calls of which at least <see cref="CircuitBreakerOptions.FailureRatio"/> failed, it opens:
/// for <see cref="CircuitBreakerOptions.BreakSeconds"/> every attempt is refused at once with a
/// <see cref="BrainCircuitOpenException"/> (a failed attempt for its turn) and the brain is not
/// called. Then it is half-open: one attempt goes through as a probe, the others are still
/// refused; the probe's success closes the circuit (with an empty window), its failure opens it
/// for another break. A probe that is cancelled (a supersede) decides nothing: the next attempt
/// probes. Each transition is logged as a warning; <see cref="IsOpen"/> is the
/// <c>fabric_brain_circuit_open</c> gauge. With <c>MinimumCalls</c> 0 it is off.
/// </summary>
public sealed partial class BrainCircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly CircuitBreakerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Bucket[] _window;
    private long _lastSecond = long.MinValue;
    private int _calls;
    private int _failures;
    private State _state;
    private DateTimeOffset _openUntil;
    private bool _probing;

    /// <summary>Creates the breaker with the configured thresholds, on the grains' clock.</summary>
    public BrainCircuitBreaker(
        IOptions<SessionsOptions> options,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
        ILogger<BrainCircuitBreaker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value.Brain.CircuitBreaker;
        _time = time;
        _logger = logger;
        _window = new Bucket[_options.WindowSeconds];
    }

    private enum State
    {
        Closed,
        Open,
        HalfOpen,
    }

    private enum Transition
    {
        None,
        Opened,
        Reopened,
        HalfOpened,
        Closed,
    }

    /// <summary>True unless the circuit is closed: brain attempts are refused (all of them while open, all but one probe while half-open).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _state != State.Closed;
            }
        }
    }

    /// <summary>
    /// Asks to call the brain. Report the call's outcome on the permit
    /// (<see cref="Permit.Succeeded"/>, <see cref="Permit.Failed"/>) and dispose it; a permit
    /// disposed without an outcome (the turn was cancelled) counts for nothing.
    /// </summary>
    /// <exception cref="BrainCircuitOpenException">The circuit is open: do not call the brain.</exception>
    public Permit Enter()
    {
        if (_options.MinimumCalls == 0)
        {
            return new Permit(null, probe: false);
        }

        var transition = Transition.None;
        Permit? permit = null;
        DateTimeOffset openUntil;
        lock (_lock)
        {
            if (_state == State.Open && _time.GetUtcNow() >= _openUntil)
            {
                _state = State.HalfOpen;
                transition = Transition.HalfOpened;
            }

            if (_state == State.Closed)
            {
                permit = new Permit(this, probe: false);
            }
            else if (_state == State.HalfOpen && !_probing)
            {
                _probing = true;
                permit = new Permit(this, probe: true);
            }

            openUntil = _openUntil;
        }

        if (transition == Transition.HalfOpened)
        {
            LogHalfOpen(_logger);
        }

        return permit ?? throw new BrainCircuitOpenException(
            $"The brain circuit breaker is open (most recent brain calls failed); the brain was not called. A probe call may go through from {openUntil:O}.");
    }

    private void Report(bool probe, bool? failed)
    {
        var transition = Transition.None;
        int calls;
        int failures;
        lock (_lock)
        {
            if (probe)
            {
                _probing = false;
                if (failed == true)
                {
                    _state = State.Open;
                    _openUntil = _time.GetUtcNow().AddSeconds(_options.BreakSeconds);
                    transition = Transition.Reopened;
                }
                else if (failed == false)
                {
                    _state = State.Closed;
                    Array.Clear(_window);
                    _calls = 0;
                    _failures = 0;
                    transition = Transition.Closed;
                }
            }
            else if (failed is { } hasFailed && _state == State.Closed)
            {
                // Calls that began before the circuit opened and end while it is open decide nothing.
                var now = _time.GetUtcNow();
                var bucket = Slide(now);
                _window[bucket].Calls++;
                _calls++;
                if (hasFailed)
                {
                    _window[bucket].Failures++;
                    _failures++;
                }

                if (_calls >= _options.MinimumCalls && _failures >= _options.FailureRatio * _calls)
                {
                    _state = State.Open;
                    _openUntil = now.AddSeconds(_options.BreakSeconds);
                    transition = Transition.Opened;
                }
            }

            calls = _calls;
            failures = _failures;
        }

        switch (transition)
        {
            case Transition.Opened:
                LogOpened(_logger, failures, calls, _options.WindowSeconds, _options.BreakSeconds);
                break;
            case Transition.Reopened:
                LogReopened(_logger, _options.BreakSeconds);
                break;
            case Transition.Closed:
                LogClosed(_logger);
                break;
        }
    }

    /// <summary>Drops the buckets that left the window by <paramref name="now"/>; returns the index of now's bucket. Under the lock.</summary>
    private int Slide(DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        var size = _window.Length;
        if (second > _lastSecond)
        {
            // The buckets of the seconds since the last call are reused: what they hold is older than the window.
            var stale = _lastSecond == long.MinValue ? size : (int)Math.Min(second - _lastSecond, size);
            for (var i = 0; i < stale; i++)
            {
                ref var expired = ref _window[(int)(((second - i) % size + size) % size)];
                _calls -= expired.Calls;
                _failures -= expired.Failures;
                expired = default;
            }

            _lastSecond = second;
        }

        // A clock that went back counts into the current bucket.
        return (int)((_lastSecond % size + size) % size);
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Brain circuit breaker opened: {Failures} of the last {Calls} brain calls (in {WindowSeconds} s) failed; brain attempts fail at once for {BreakSeconds} s")]
    private static partial void LogOpened(ILogger logger, int failures, int calls, int windowSeconds, int breakSeconds);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Brain circuit breaker half-open: one probe call goes to the brain")]
    private static partial void LogHalfOpen(ILogger logger);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Brain circuit breaker closed: the probe call succeeded")]
    private static partial void LogClosed(ILogger logger);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Brain circuit breaker opened again: the probe call failed; brain attempts fail at once for {BreakSeconds} s")]
    private static partial void LogReopened(ILogger logger, int breakSeconds);

    /// <summary>The calls and failures that ended in one second.</summary>
    private struct Bucket
    {
        public int Calls;
        public int Failures;
    }

    /// <summary>Leave to call the brain once; say how it went.</summary>
    public sealed class Permit : IDisposable
    {
        private readonly BrainCircuitBreaker? _breaker;
        private readonly bool _probe;
        private int _reported;

        internal Permit(BrainCircuitBreaker? breaker, bool probe)
        {
            _breaker = breaker;
            _probe = probe;
        }

        /// <summary>The brain answered.</summary>
        public void Succeeded() => Report(failed: false);

        /// <summary>The brain failed or did not answer in time.</summary>
        public void Failed() => Report(failed: true);

        /// <summary>Ends the permit; without an outcome the call counts for nothing.</summary>
        public void Dispose() => Report(failed: null);

        private void Report(bool? failed)
        {
            if (Interlocked.Exchange(ref _reported, 1) == 0)
            {
                _breaker?.Report(_probe, failed);
            }
        }
    }
}
