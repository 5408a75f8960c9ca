using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansFabric.Runtime.Activation;
using OrleansFabric.Runtime.Timers;

namespace OrleansFabric.Runtime;

/// <summary>
/// A grain's transactional outbox to a webhook. The grain <see cref="Add">adds</see> a message
/// to its state before the write that commits the change the message reports; after the write
/// it calls <see cref="Resume"/>. The outbox then POSTs the oldest message off the mailbox,
/// and only when the receiver answered 2xx removes it (another state write) and moves to the
/// next: delivery is in seq order, at least once, with an <c>Idempotency-Key</c> for the
/// receiver to drop repeats. Failures back off exponentially. A durable reminder
/// (<see cref="ReminderName"/>) exists while messages are pending, so delivery resumes on
/// whichever silo owns the grain after a crash or hand-off.
/// </summary>
public sealed partial class WebhookOutbox
{
    /// <summary>The reminder that wakes the grain while messages are pending; route it to <see cref="ReceiveReminderAsync"/>.</summary>
    public const string ReminderName = "webhook-outbox";

    private static readonly TimeSpan WakeUpPeriod = TimeSpan.FromSeconds(30);

    private readonly Grain _grain;
    private readonly IWebhookSender _sender;
    private readonly DeliveryOptions _options;
    private readonly Func<WebhookOutboxState> _state;
    private readonly Func<CancellationToken, Task> _persist;
    private BackgroundWork? _sending;
    private GrainTimer? _retryTimer;
    private bool _wakeUpRegistered;
    private int _attempts;
    private string? _lastError;
    private DateTimeOffset? _nextAttemptAt;

    /// <summary>
    /// Creates the outbox of <paramref name="grain"/> (call it from <c>OnActivateAsync</c>).
    /// <paramref name="state"/> returns the persisted outbox inside the grain's current state;
    /// <paramref name="persist"/> writes the grain's state.
    /// </summary>
    public WebhookOutbox(Grain grain, IWebhookSender sender, DeliveryOptions options, Func<WebhookOutboxState> state, Func<CancellationToken, Task> persist)
    {
        ArgumentNullException.ThrowIfNull(grain);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(persist);
        _grain = grain;
        _sender = sender;
        _options = options;
        _state = state;
        _persist = persist;

        // Pending messages were committed after their reminder was registered.
        _wakeUpRegistered = state().Messages.Count > 0;
    }

    /// <summary>True when a webhook is configured.</summary>
    public bool Enabled => _options.WebhookUrl is not null;

    private ActivationData Activation => _grain.Context;

    /// <summary>
    /// Call before the state write that adds messages: makes sure a durable reminder will
    /// resume delivery if this silo dies right after the write. Does nothing when disabled.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (!Enabled || _wakeUpRegistered)
        {
            return;
        }

        await Activation.Runtime.Reminders.RegisterOrUpdateAsync(_grain.GrainId, ReminderName, WakeUpPeriod, WakeUpPeriod, cancellationToken);
        _wakeUpRegistered = true;
    }

    /// <summary>
    /// Adds a message to the persisted outbox (after <see cref="PrepareAsync"/>, before the state
    /// write). Does nothing when disabled: <paramref name="body"/> is only called when a webhook
    /// is configured, so a silo without one builds no bodies.
    /// </summary>
    public void Add(string idempotencyKey, long seq, Func<JsonElement> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Enabled)
        {
            _state().Messages.Add(new OutboxMessage(idempotencyKey, seq, body()));
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
        _sending = BackgroundWork.Start<bool>(Activation, cancellationToken => SendAsync(message, cancellationToken), result => OnSentAsync(message, result), CancellationToken.None);
    }

    /// <summary>The reminder's tick: resumes delivery, or removes the reminder once nothing is pending.</summary>
    public async Task ReceiveReminderAsync(CancellationToken cancellationToken)
    {
        if (_state().Messages.Count == 0 || !Enabled)
        {
            await ForgetWakeUpAsync(cancellationToken);
            return;
        }

        Resume();
    }

    /// <summary>Drops the in-flight attempt and back-off, as when the grain's state is erased; the caller clears the state.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        _sending?.Cancel();
        _sending = null;
        _retryTimer?.Dispose();
        _retryTimer = null;
        _attempts = 0;
        _lastError = null;
        _nextAttemptAt = null;
        _wakeUpRegistered = true; // there may be one: remove it for certain
        await ForgetWakeUpAsync(cancellationToken);
    }

    /// <summary>The delivery state, for status endpoints.</summary>
    public WebhookDeliveryStatus Status
    {
        get
        {
            var state = _state();
            return new WebhookDeliveryStatus(
                Enabled,
                state.Messages.Count,
                state.Messages.Count > 0 ? state.Messages[0].Seq : null,
                _attempts,
                _lastError,
                _nextAttemptAt,
                state.DeliveredThroughSeq,
                state.LastDeliveredAt);
        }
    }

    private async Task<bool> SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            await _sender.SendAsync(_options.WebhookUrl!, message, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The webhook did not answer within {_options.TimeoutSeconds} s.");
        }

        return true;
    }

    private async Task OnSentAsync(OutboxMessage message, BackgroundResult<bool> result)
    {
        _sending = null;
        if (result.IsCanceled)
        {
            return; // reset, or the activation is ending: the next one resumes
        }

        var state = _state();
        if (result.Exception is { } failure)
        {
            _attempts++;
            _lastError = failure.Message;
            var backoff = TimeSpan.FromMilliseconds(Math.Min(
                _options.InitialBackoffMs * Math.Pow(2, Math.Min(_attempts - 1, 30)),
                _options.MaxBackoffSeconds * 1000.0));
            _nextAttemptAt = Activation.Runtime.Time.GetUtcNow() + backoff;
            LogAttemptFailed(Activation.Runtime.Logger, _grain.GrainId.ToString(), message.Seq, _attempts, backoff.TotalMilliseconds, failure.Message);
            _retryTimer = GrainTimer.Start(
                Activation,
                _ =>
                {
                    _retryTimer?.Dispose();
                    _retryTimer = null;
                    Resume();
                    return Task.CompletedTask;
                },
                backoff,
                TimeSpan.Zero);
            return;
        }

        _attempts = 0;
        _lastError = null;
        _nextAttemptAt = null;
        if (state.Messages.Count == 0 || state.Messages[0].IdempotencyKey != message.IdempotencyKey)
        {
            return; // the state was erased meanwhile: nothing to record
        }

        state.Messages.RemoveAt(0);
        state.DeliveredThroughSeq = message.Seq;
        state.LastDeliveredAt = Activation.Runtime.Time.GetUtcNow();
        // Should this write fail, the runtime drops the activation and the next one starts over
        // from the stored outbox, which still holds the message (the receiver drops the repeat).
        await _persist(CancellationToken.None);

        if (state.Messages.Count == 0)
        {
            await ForgetWakeUpAsync(CancellationToken.None);
        }

        Resume();
    }

    private async Task ForgetWakeUpAsync(CancellationToken cancellationToken)
    {
        if (!_wakeUpRegistered)
        {
            return;
        }

        await Activation.Runtime.Reminders.UnregisterAsync(_grain.GrainId, ReminderName, cancellationToken);
        _wakeUpRegistered = false;
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Webhook delivery of {Grain} seq {Seq} failed (attempt {Attempt}); next attempt in {BackoffMs} ms: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string grain, long seq, int attempt, double backoffMs, string error);
}
