using Microsoft.Extensions.Logging;

namespace OrleansFabric.Hosting.Delivery;

/// <summary>
/// A grain's transactional outbox to a webhook. The grain <see cref="Add">adds</see> a message
/// to its state before the write that commits the change the message reports; after the write
/// it calls <see cref="Resume"/>. The outbox then POSTs the oldest message off the grain's
/// scheduler and reports the outcome back as a grain call
/// (<see cref="IWebhookOutboxGrain.WebhookAttemptedAsync"/>, routed to
/// <see cref="OnAttemptedAsync"/>); only when the receiver answered 2xx is the message removed
/// (another state write) and the next one sent: delivery is in seq order, at least once, with an
/// <c>Idempotency-Key</c> for the receiver to drop repeats. Failures back off exponentially on a
/// grain timer. With <see cref="DeliveryOptions.MaxAttempts"/> set, a message that failed that
/// many attempts (in this activation) is dead-lettered: removed from the outbox in a state write,
/// counted in the persisted state and in <see cref="WebhookMetrics"/>, logged, and the next
/// message goes; the grain keeps it in its own history. Each attempt runs in a span that
/// continues the trace the message was added with (<see cref="WebhookTelemetry"/>), and the log
/// lines about a message carry that trace's id (<c>TraceId</c>). A durable reminder (<see cref="ReminderName"/>) exists while messages are
/// pending, so delivery resumes on whichever silo holds the grain after a crash.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its life is the activation's: Stop() cancels the token source, which holds no timer or handle to release.")]
public sealed partial class WebhookOutbox
{
    /// <summary>The reminder that wakes the grain while messages are pending; route it to <see cref="ReceiveReminderAsync"/>.</summary>
    public const string ReminderName = "webhook-outbox";

    private static readonly TimeSpan WakeUpPeriod = TimeSpan.FromMinutes(1);

    private readonly Grain _grain;
    private readonly WebhookDeliveryKind _kind;
    private readonly IWebhookSender _sender;
    private readonly DeliveryOptions _options;
    private readonly Func<WebhookOutboxState> _state;
    private readonly Action<OutboxChange> _change;
    private readonly Func<CancellationToken, Task> _persist;
    private readonly TimeProvider _time;
    private readonly WebhookMetrics _metrics;
    private readonly ILogger _logger;
    /// <summary>Already cancelled: what <see cref="Stop"/> leaves when no delivery ever started.</summary>
    private static readonly CancellationTokenSource s_stopped = CancelledSource();

    private CancellationTokenSource? _stopping;
    private long _generation;
    private long? _sending;
    private IGrainTimer? _retryTimer;
    private bool _wakeUpRegistered;
    private int _attempts;
    private string? _lastError;
    private DateTimeOffset? _nextAttemptAt;

    /// <summary>
    /// Creates the outbox of <paramref name="grain"/> (call it from <c>OnActivateAsync</c>, or on
    /// first need: at activation when the persisted outbox holds messages, before a write that adds
    /// one, and for its reminder or a reset; the grain implements <see cref="IWebhookOutboxGrain"/>),
    /// of <paramref name="kind"/> (the metrics' label).
    /// <paramref name="state"/> returns the persisted outbox inside the grain's current state;
    /// <paramref name="change"/> makes a change of it (the owner records it in its journal and
    /// applies it); <paramref name="persist"/> writes the grain's state.
    /// </summary>
    public WebhookOutbox(
        Grain grain,
        WebhookDeliveryKind kind,
        IWebhookSender sender,
        DeliveryOptions options,
        Func<WebhookOutboxState> state,
        Action<OutboxChange> change,
        Func<CancellationToken, Task> persist,
        TimeProvider time,
        WebhookMetrics metrics,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(grain);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(persist);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _grain = grain;
        _kind = kind;
        _sender = sender;
        _options = options;
        _state = state;
        _change = change;
        _persist = persist;
        _time = time;
        _metrics = metrics;
        _logger = logger;

        // Pending messages were committed after their reminder was registered.
        _wakeUpRegistered = state().Messages.Count > 0;
    }

    /// <summary>True when a webhook is configured.</summary>
    public bool Enabled => _options.WebhookUrl is not null;

    /// <summary>The delivery state, for status endpoints.</summary>
    public WebhookDeliveryStatus Status => StatusOf(_options, _state(), _attempts, _lastError, _nextAttemptAt);

    /// <summary>
    /// The delivery state of a grain that has made no outbox in this activation (it had nothing
    /// to deliver): the persisted <paramref name="state"/>, no attempt under way.
    /// </summary>
    public static WebhookDeliveryStatus IdleStatus(DeliveryOptions options, WebhookOutboxState state)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        return StatusOf(options, state, 0, null, null);
    }

    private static WebhookDeliveryStatus StatusOf(DeliveryOptions options, WebhookOutboxState state, int attempts, string? lastError, DateTimeOffset? nextAttemptAt) =>
        new(
            options.WebhookUrl is not null,
            state.Messages.Count,
            state.Messages.Count > 0 ? state.Messages[0].Seq : null,
            attempts,
            lastError,
            nextAttemptAt,
            state.DeliveredThroughSeq,
            state.LastDeliveredAt,
            state.DeadLettered);

    /// <summary>
    /// Call before the state write that adds messages: makes sure a durable reminder will
    /// resume delivery if this silo dies right after the write. Does nothing when disabled.
    /// </summary>
    public async Task PrepareAsync()
    {
        if (!Enabled || _wakeUpRegistered)
        {
            return;
        }

        await _grain.RegisterOrUpdateReminder(ReminderName, WakeUpPeriod, WakeUpPeriod);
        _wakeUpRegistered = true;
    }

    /// <summary>
    /// Adds a message to the persisted outbox (after <see cref="PrepareAsync"/>, before the state
    /// write). Does nothing when disabled: <paramref name="body"/> is only called when a webhook
    /// is configured, so a silo without one builds no bodies. Every attempt at the message
    /// continues <paramref name="traceParent"/> (a W3C traceparent; null: a trace of its own).
    /// </summary>
    public void Add(string idempotencyKey, long seq, Func<string> body, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Enabled)
        {
            _change(new OutboxAdded(new OutboxMessage(idempotencyKey, seq, body(), traceParent)));
        }
    }

    /// <summary>Starts delivering the oldest pending message unless a delivery or a back-off is under way.</summary>
    public void Resume()
    {
        if (!Enabled || _sending is not null || _retryTimer is not null || _state().Messages.Count == 0)
        {
            return;
        }

        var message = _state().Messages[0];
        var generation = _generation;
        var attempt = _attempts + 1;
        _sending = message.Seq;
        var self = _grain.AsReference<IWebhookOutboxGrain>();
        // Made with the first delivery: most activations (idle sessions, a silo without a
        // webhook) never send, and each would otherwise hold a token source of its own.
        var stopping = (_stopping ??= new CancellationTokenSource()).Token;

        // Off the grain's scheduler: the mailbox keeps moving while the receiver answers.
        _ = Task.Run(
            async () =>
            {
                var error = await SendAsync(message, attempt, stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    return; // the activation ended: the next one resumes from the stored outbox
                }

                try
                {
                    await self.WebhookAttemptedAsync(generation, message.Seq, error).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // The grain could not be told (it is moving or its silo is stopping); the
                    // message is still in its stored outbox and its next activation sends it again.
                    var traceId = GrainCallTrace.TraceId(message.TraceParent);
                    LogReportLost(_logger, exception, message.Seq, traceId);
                }
            },
            CancellationToken.None);
    }

    /// <summary>The outcome of an attempt, as a turn of the grain (its <see cref="IWebhookOutboxGrain.WebhookAttemptedAsync"/>).</summary>
    public async Task OnAttemptedAsync(long generation, long seq, string? error)
    {
        if (generation != _generation || _sending != seq)
        {
            return; // reset meanwhile, or a report from an attempt this activation did not make
        }

        _sending = null;
        var state = _state();
        if (error is not null)
        {
            _attempts++;
            _lastError = error;
            if (_options.MaxAttempts > 0 && _attempts >= _options.MaxAttempts)
            {
                await DeadLetterAsync(seq, error);
                return;
            }

            var backoff = TimeSpan.FromMilliseconds(Math.Min(
                _options.InitialBackoffMs * Math.Pow(2, Math.Min(_attempts - 1, 30)),
                _options.MaxBackoffSeconds * 1000.0));
            _nextAttemptAt = _time.GetUtcNow() + backoff;
            LogAttemptFailed(_logger, _grain.GetGrainId().ToString(), seq, _attempts, backoff.TotalMilliseconds, error, TraceIdOf(state, seq));
            _retryTimer = _grain.RegisterGrainTimer(
                () =>
                {
                    _retryTimer?.Dispose();
                    _retryTimer = null;
                    Resume();
                    return Task.CompletedTask;
                },
                backoff,
                Timeout.InfiniteTimeSpan);
            return;
        }

        _attempts = 0;
        _lastError = null;
        _nextAttemptAt = null;
        if (state.Messages.Count == 0 || state.Messages[0].Seq != seq)
        {
            return;
        }

        _change(new OutboxDelivered(seq, _time.GetUtcNow()));

        // Should this write fail, the grain deactivates and its next activation starts over from
        // the stored outbox, which still holds the message (the receiver drops the repeat).
        await _persist(CancellationToken.None);
        if (state.Messages.Count == 0)
        {
            await ForgetWakeUpAsync();
        }

        Resume();
    }

    /// <summary>The reminder's tick: resumes delivery, or removes the reminder once nothing is pending.</summary>
    public async Task ReceiveReminderAsync()
    {
        if (_state().Messages.Count == 0 || !Enabled)
        {
            _wakeUpRegistered = true; // a tick proves it exists
            await ForgetWakeUpAsync();
            return;
        }

        Resume();
    }

    /// <summary>Drops the in-flight attempt and back-off, as when the grain's state is erased; the caller clears the state.</summary>
    public async Task ResetAsync()
    {
        _generation++;
        _sending = null;
        _retryTimer?.Dispose();
        _retryTimer = null;
        _attempts = 0;
        _lastError = null;
        _nextAttemptAt = null;
        _wakeUpRegistered = true; // there may be one: remove it for certain
        await ForgetWakeUpAsync();
    }

    /// <summary>Stops attempts in flight and the back-off timer (the activation is ending).</summary>
    public void Stop()
    {
        (_stopping ??= s_stopped).Cancel();
        _retryTimer?.Dispose();
    }

    private static CancellationTokenSource CancelledSource()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }

    /// <summary>
    /// Gives up the oldest message after its last allowed attempt: removes it and counts it in one
    /// state write, then moves on. Should the write fail, the grain deactivates and its next
    /// activation tries the message again from the stored outbox.
    /// </summary>
    private async Task DeadLetterAsync(long seq, string error)
    {
        var state = _state();
        var attempts = _attempts;
        _attempts = 0;
        _lastError = null;
        _nextAttemptAt = null;
        if (state.Messages.Count == 0 || state.Messages[0].Seq != seq)
        {
            return;
        }

        var traceId = TraceIdOf(state, seq);
        _change(new OutboxDeadLettered(seq));
        await _persist(CancellationToken.None);
        _metrics.CountDeadLettered(_kind);
        LogDeadLettered(_logger, _grain.GetGrainId().ToString(), seq, attempts, error, traceId);
        if (state.Messages.Count == 0)
        {
            await ForgetWakeUpAsync();
        }

        Resume();
    }

    /// <summary>
    /// One attempt, in its own span continuing the message's trace (the POST's <c>traceparent</c>);
    /// returns the error, or null when the receiver answered 2xx.
    /// </summary>
    private async Task<string?> SendAsync(OutboxMessage message, int attemptNumber, CancellationToken stopping)
    {
        using var activity = WebhookTelemetry.StartAttempt(message, _kind, attemptNumber);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        attempt.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        string? error;
        try
        {
            await _sender.SendAsync(_options.WebhookUrl!, message, attempt.Token).ConfigureAwait(false);
            error = null;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            error = $"The webhook did not answer within {_options.TimeoutSeconds} s.";
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            error = exception.Message;
        }

        activity?.SetStatus(error is null ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, error);
        return error;
    }

    /// <summary>The trace id of message <paramref name="seq"/> (the oldest, being delivered), for log lines; empty without a trace.</summary>
    private static string TraceIdOf(WebhookOutboxState state, long seq) =>
        GrainCallTrace.TraceId(state.Messages.Count > 0 && state.Messages[0].Seq == seq ? state.Messages[0].TraceParent : null);

    private async Task ForgetWakeUpAsync()
    {
        if (!_wakeUpRegistered)
        {
            return;
        }

        if (await _grain.GetReminder(ReminderName) is { } reminder)
        {
            await _grain.UnregisterReminder(reminder);
        }

        _wakeUpRegistered = false;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Webhook delivery of {Grain} seq {Seq} failed (attempt {Attempt}); next attempt in {BackoffMs} ms: {Error} (trace {TraceId})")]
    private static partial void LogAttemptFailed(ILogger logger, string grain, long seq, int attempt, double backoffMs, string error, string traceId);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Webhook delivery of {Grain} seq {Seq} dead-lettered after {Attempts} failed attempts; moving on to the next message. Last error: {Error} (trace {TraceId})")]
    private static partial void LogDeadLettered(ILogger logger, string grain, long seq, int attempts, string error, string traceId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Debug, Message = "The outcome of webhook delivery seq {Seq} could not be reported to its grain; its next activation sends it again (trace {TraceId})")]
    private static partial void LogReportLost(ILogger logger, Exception exception, long seq, string traceId);
}
