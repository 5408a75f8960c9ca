using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Hosting;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>
/// One conversation session. Accepting a message is a short call that makes it durable and
/// decides, by the channel's strategy, when the next logical turn starts. The brain runs off
/// the grain's scheduler; its outcome comes back as a grain call
/// (<see cref="ISessionTurnGrain.TurnEndedAsync"/>) that commits, in one state write, the turn
/// record, the removal of the answered messages from the queue, the history and the outbox.
/// What a brain's non-cancellable section returns is journaled as soon as the section ends
/// (<see cref="ISessionTurnGrain.EffectRecordedAsync"/>), so no later turn repeats it.
/// Nothing here waits on a lock: a busy session only ever queues, aggregates or supersedes.
/// Brain calls pass the silo's <see cref="BrainCircuitBreaker"/> and <see cref="BrainGate"/>, and each attempt has a deadline
/// (<c>Sessions:TurnTimeoutSeconds</c>) on the grains' clock. A turn runs in a span that
/// continues the trace of its first message's request; its answer enters the outbox with the
/// turn's span as trace parent, so every webhook attempt at it continues that trace too.
/// </summary>
public sealed partial class SessionGrain(
    [PersistentState("session", PersistenceOptions.StorageName)] IPersistentState<SessionState> state,
    IOptions<SessionsOptions> options,
    IBrain brain,
    BrainGate gate,
    BrainCircuitBreaker breaker,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
    SessionMetrics metrics,
    TurnNotifications notifications,
    GrainReferences<ISessionTurnGrain> turns,
    IWebhookSender webhook,
    WebhookMetrics webhookMetrics,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain, ISessionTurnGrain, IRemindable, IWebhookOutboxGrain
{
    private const int BrainAttempts = 3;
    private const string ResumeReminder = "resume";

    private SessionKey _key = null!;
    private string _sessionKey = string.Empty;
    private SessionStrategy _strategy;
    private RunningTurn? _running;
    private IGrainTimer? _aggregationTimer;
    private bool _resumeRegistered;
    private SessionMetrics.SessionGauge _queue = null!;

    /// <summary>
    /// When this activation last accepted a message (UTC ticks of the grains' clock; 0: none). A
    /// session that is still in conversation keeps its resume reminder at an idle tick: dropping
    /// it and registering it again with the next message would cost two reminder-table writes per
    /// reminder period. Quiet means no message for a whole period, measured on the clock rather
    /// than counted in ticks: a tick delivered late can be followed at once by the next one.
    /// </summary>
    private long _lastAcceptedTicks;

    /// <summary>
    /// Made on first need (<see cref="Outbox"/>): with no webhook configured, or nothing committed
    /// to deliver, an activation never needs one, and an idle session would hold it (and its
    /// delegates into the grain) for nothing.
    /// </summary>
    private WebhookOutbox? _outbox;

    private SessionState Session => state.State;

    private SessionsOptions Options => options.Value;

    private WebhookOutbox Outbox => _outbox ??= new WebhookOutbox(this, WebhookDeliveryKind.Session, webhook, Options.Delivery, () => Session.Outbox, change => Session.ChangeOutbox(change), WriteAsync, time, webhookMetrics, logger);

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sessionKey = this.GetPrimaryKeyString();
        if (!SessionKey.TryParse(_sessionKey, out var key))
        {
            throw new ArgumentException($"'{_sessionKey}' is not a session key (tenant_id:agent_id:interlocutor_id:channel).");
        }

        _key = key;
        _strategy = Options.StrategyFor(key.Channel);
        _queue = metrics.Track(_sessionKey, key, _strategy);
        _resumeRegistered = Session.Pending.Count > 0;

        // Messages accepted before a crash or hand-off are answered now, and committed
        // answers the webhook has not acknowledged are delivered.
        ScheduleNextTurn();
        if (Session.Outbox.Messages.Count > 0)
        {
            Outbox.Resume();
        }

        ReportQueue();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_running is { } turn)
        {
            // From now on the deactivation, not a TurnEndedAsync call, commits the turn: such a
            // call would reach the next activation, which knows nothing of this turn.
            turn.Deactivating = true;
            if (reason.ReasonCode is DeactivationReasonCode.ShuttingDown or DeactivationReasonCode.Migrating && turn.BrainStarted)
            {
                // A stopping or draining silo lets the running brain finish, up to the
                // deactivation's deadline (Shutdown:DeadlineSeconds), then cancels it.
                LogAwaitingTurn(logger, _sessionKey, turn.TurnId, turn.TraceId);
                await CommitOnDeactivationAsync(turn, cancellationToken);
            }
            else
            {
                // Otherwise (idle, a failed write, a request) the turn is cancelled at once; only a
                // non-cancellable section that is running delays the end, up to the same deadline.
                turn.Controller.RequestCancel();
                await CommitOnDeactivationAsync(turn, cancellationToken);
            }
        }

        _outbox?.Stop();
        metrics.Untrack(_sessionKey, _queue);
    }

    /// <summary>
    /// Waits (until <paramref name="cancellationToken"/>, then cancels the brain) for the running
    /// turn's outcome and commits it, unless it was cancelled with nothing to keep: then its
    /// messages stay pending for the next activation.
    /// </summary>
    private async Task CommitOnDeactivationAsync(RunningTurn turn, CancellationToken cancellationToken)
    {
        BrainOutcome outcome;
        try
        {
            outcome = await turn.Outcome.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            turn.Controller.RequestCancel();
            return;
        }

        if (outcome.Cancelled && outcome.Effects is not { Count: > 0 })
        {
            return;
        }

        try
        {
            await CommitTurnAsync(turn, outcome);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Not committed: the messages are still pending in the stored state.
            LogOutcomeLost(logger, exception, _sessionKey, turn.TurnId, turn.TraceId);
        }
    }

    /// <inheritdoc/>
    public async Task<SubmitResult> SubmitAsync(IncomingMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ApiIds.Check(message.MessageId, "message_id");
        ArgumentNullException.ThrowIfNull(message.Text);
        ApiIds.CheckText(message.Text, "text");
        if (Session.Remembers(message.MessageId))
        {
            return new SubmitResult(SubmitOutcome.Duplicate, Session.Pending.Count);
        }

        if (_strategy == SessionStrategy.Reject && _running is not null)
        {
            return new SubmitResult(SubmitOutcome.Busy, Session.Pending.Count);
        }

        if (Session.Pending.Count >= Options.MaxPendingMessages)
        {
            return new SubmitResult(SubmitOutcome.QueueFull, Session.Pending.Count);
        }

        if (!_resumeRegistered)
        {
            // Before the message is durable, make sure someone will wake the session for it.
            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromSeconds(Options.ResumeCheckSeconds), TimeSpan.FromSeconds(Options.ResumeCheckSeconds), cancellationToken);
            _resumeRegistered = true;
        }

        // The pending message keeps the trace once, beside the message.
        var traceParent = message.TraceParent ?? GrainCallTrace.TraceParent();
        var now = time.GetUtcNow();
        Session.Accept(new PendingMessage(message.TraceParent is null ? message : message with { TraceParent = null }, now, traceParent));
        await WriteAsync(cancellationToken);
        _lastAcceptedTicks = now.UtcTicks;
        ReportQueue();

        switch (_strategy)
        {
            case SessionStrategy.Supersede when _running is not null:
                LogSuperseding(logger, _sessionKey, _running.TurnId, _running.TraceId);
                _running.Controller.RequestCancel();
                break;
            default:
                ScheduleNextTurn();
                break;
        }

        return new SubmitResult(SubmitOutcome.Accepted, Session.Pending.Count);
    }

    /// <inheritdoc/>
    public Task<SessionView?> GetAsync(CancellationToken cancellationToken = default)
    {
        if (!state.RecordExists)
        {
            return Task.FromResult<SessionView?>(null);
        }

        var status = _running is not null ? "running" : Session.Pending.Count > 0 ? "accumulating" : "idle";
        return Task.FromResult<SessionView?>(new SessionView(
            _sessionKey,
            _strategy.Name(),
            status,
            [.. Session.Pending.Select(pending => pending.Message.MessageId)],
            Session.TurnsCompleted,
            state.Etag,
            _outbox?.Status ?? WebhookOutbox.IdleStatus(Options.Delivery, Session.Outbox)));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<TurnRecord>?> GetTurnsAsync(long after, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TurnRecord>?>(state.RecordExists ? [.. Session.Turns.Where(turn => turn.Seq > after)] : null);

    /// <inheritdoc/>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        _running?.Controller.RequestCancel();
        _running = null;
        _aggregationTimer?.Dispose();
        _aggregationTimer = null;
        await Outbox.ResetAsync();
        if (state.RecordExists)
        {
            await state.ClearStateAsync(cancellationToken);
        }

        state.State = new SessionState();
        await ForgetResumeAsync();
        ReportQueue();
        notifications.Notify(_sessionKey);
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == WebhookOutbox.ReminderName)
        {
            await Outbox.ReceiveReminderAsync();
            return;
        }

        if (Session.Pending.Count == 0 && _running is null)
        {
            var quietFor = time.GetUtcNow().UtcTicks - _lastAcceptedTicks;
            if (quietFor >= TimeSpan.FromSeconds(Options.ResumeCheckSeconds).Ticks)
            {
                _resumeRegistered = true; // a tick proves it exists
                await ForgetResumeAsync();
            }

            return;
        }

        ScheduleNextTurn();
    }

    /// <summary>Starts the next turn now, or sets the aggregation timer for when it is due.</summary>
    private void ScheduleNextTurn()
    {
        if (_running is not null || Session.Pending.Count == 0)
        {
            return;
        }

        if (_strategy == SessionStrategy.Aggregate)
        {
            var first = Session.Pending[0].ReceivedAt;
            var last = Session.Pending[^1].ReceivedAt;
            var due = Min(last.AddMilliseconds(Options.AggregationWindowMs), first.AddMilliseconds(Options.MaxAggregationDelayMs));
            var wait = due - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                _aggregationTimer?.Dispose();
                _aggregationTimer = this.RegisterGrainTimer(
                    () =>
                    {
                        ScheduleNextTurn();
                        return Task.CompletedTask;
                    },
                    wait,
                    Timeout.InfiniteTimeSpan);
                return;
            }
        }

        StartTurn();
    }

    private void StartTurn()
    {
        _aggregationTimer?.Dispose();
        _aggregationTimer = null;
        var covered = Session.Pending.Take(_strategy is SessionStrategy.Queue or SessionStrategy.Reject ? 1 : Options.MaxMessagesPerTurn).ToList();
        var traceParent = covered.Select(pending => pending.TraceParent).FirstOrDefault(parent => parent is not null);
        // Made per turn rather than kept (an idle session needs no reference to itself), from
        // types resolved once: AsReference would resolve the interface type by reflection each time.
        var self = turns.Get(_sessionKey);
        // Each effect of the turn's non-cancellable sections is journaled when its section ends.
        RunningTurn? running = null;
        var controller = new TurnController(effect => RecordEffectAsync(self, running!, effect));
        var turn = running = new RunningTurn(Guid.NewGuid().ToString("N"), covered, time.GetUtcNow(), controller, traceParent);
        var input = new BrainInput(
            _key,
            [.. covered.Select(pending => pending.Message)],
            [.. Session.History],
            [.. Session.CarriedEffects]);
        _running = turn;

        // Off the grain's scheduler: new messages are accepted (and may supersede) while the brain thinks.
        _ = Task.Run(
            async () =>
            {
                // The turn's span continues the trace of its first message's request: the brain's
                // HTTP calls and the turn's log lines carry it.
                using var activity = SessionTelemetry.Start("session turn", traceParent);
                activity?.SetTag("fabric.session.turn_id", turn.TurnId);
                turn.SpanTraceParent = activity?.Id;
                LogTurnStarted(logger, _sessionKey, turn.TurnId, covered.Count, turn.TraceId);
                var outcome = await ThinkAsync(input, turn);
                turn.Outcome.TrySetResult(outcome);
                if (turn.Deactivating)
                {
                    return; // the deactivation commits it
                }

                try
                {
                    await self.TurnEndedAsync(turn.TurnId, outcome);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // The call could not be sent (the silo stops): the turn's messages are still
                    // pending in the stored state, and the next activation runs them.
                    LogOutcomeLost(logger, exception, _sessionKey, turn.TurnId, turn.TraceId);
                }
            },
            CancellationToken.None);
    }

    /// <summary>
    /// Runs the brain off the mailbox, retrying failures (not cancellations) with exponential
    /// backoff, and never throws: the outcome says what happened. Each attempt first asks the
    /// silo's <see cref="BrainCircuitBreaker"/> (an open circuit fails it at once), then takes a
    /// place at the silo's <see cref="BrainGate"/>, and is cancelled after
    /// <c>Sessions:TurnTimeoutSeconds</c> (a failed attempt, even if the brain ignores its token).
    /// The controller is cancelled by a supersede and when the activation ends; a turn waiting
    /// at the gate then leaves its queue.
    /// </summary>
    private async Task<BrainOutcome> ThinkAsync(BrainInput input, RunningTurn turn)
    {
        var controller = turn.Controller;
        var cancellationToken = controller.Token;
        var timeout = TimeSpan.FromSeconds(Options.TurnTimeoutSeconds);
        var sectionHung = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // An open circuit refuses the attempt here (a failed attempt), before it waits for a place.
                using var permit = breaker.Enter();
                try
                {
                    using (await gate.EnterAsync(turn.FirstMessageAt, cancellationToken))
                    {
                        turn.BrainStarted = true;

                        // A retry learns what earlier attempts of this turn already did.
                        var effects = controller.Effects;
                        var attemptInput = effects.Count == 0 ? input : input with { PriorEffects = [.. input.PriorEffects, .. effects] };
                        using var deadline = new CancellationTokenSource(timeout, time);
                        using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                        try
                        {
                            var reply = await brain.RespondAsync(attemptInput, controller, attemptCancellation.Token).WaitAsync(attemptCancellation.Token);
                            permit.Succeeded();
                            return new BrainOutcome(reply.Text, null, controller.IsCancellationRequested, controller.Effects);
                        }
                        catch (Exception) when (deadline.IsCancellationRequested && !controller.IsCancellationRequested)
                        {
                            // A section the attempt started runs on (it cannot be cancelled): the
                            // retry waits for it and learns what it did, rather than doing it again.
                            // One that does not end within another deadline ends the turn instead.
                            sectionHung = !await controller.SectionsEndAsync(timeout, time);
                            throw new TimeoutException(sectionHung
                                ? $"The brain did not answer within {Options.TurnTimeoutSeconds} s (Fabric:Sessions:TurnTimeoutSeconds), and a non-cancellable section it started did not end within as long again; the turn is not retried."
                                : $"The brain did not answer within {Options.TurnTimeoutSeconds} s (Fabric:Sessions:TurnTimeoutSeconds).");
                        }
                    }
                }
                catch (Exception) when (!controller.IsCancellationRequested)
                {
                    // A cancelled turn's attempt tells nothing about the brain: its permit ends unreported.
                    permit.Failed();
                    throw;
                }
            }
            catch (Exception) when (controller.IsCancellationRequested)
            {
                return new BrainOutcome(null, null, Cancelled: true, controller.Effects);
            }
            catch (Exception exception) when (attempt < BrainAttempts && !sectionHung)
            {
                LogBrainRetry(logger, exception, _sessionKey, attempt, turn.TraceId);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1)), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return new BrainOutcome(null, null, Cancelled: true, controller.Effects);
                }
            }
            catch (Exception exception)
            {
                return new BrainOutcome(null, exception.Message, Cancelled: false, controller.Effects);
            }
        }
    }

    /// <inheritdoc/>
    public async Task TurnEndedAsync(string turnId, BrainOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (_running is not { } turn || turn.TurnId != turnId)
        {
            return; // the session was deleted meanwhile, or the report is from an earlier activation
        }

        // Should the commit fail, WriteAsync drops the activation: a fresh one reloads the stored
        // state and runs the turn again (its messages are still pending there).
        await CommitTurnAsync(turn, outcome);
        _outbox?.Resume();
        ScheduleNextTurn();
    }

    /// <inheritdoc/>
    public async Task EffectRecordedAsync(string turnId, string effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        if (!state.RecordExists)
        {
            return; // the session was deleted meanwhile: nothing of it is kept
        }

        Session.RecordEffect(turnId, effect);
        try
        {
            await WriteAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The write failed and the activation is dropped (WriteAsync), but the effect is in its
            // state and goes with its next write: the turn's commit as it deactivates. So it counts
            // as recorded here, and that commit does not carry it a second time.
        }
    }

    /// <summary>
    /// Hands an effect of <paramref name="turn"/> to the session to journal (off the grain's
    /// scheduler, from the brain's section); false when it travels with the turn's outcome instead:
    /// the activation is ending (its deactivation commits the turn, and a call would wait for the
    /// end of that deactivation) or the session could not be told.
    /// </summary>
    private async Task<bool> RecordEffectAsync(ISessionTurnGrain self, RunningTurn turn, string effect)
    {
        if (turn.Deactivating)
        {
            return false;
        }

        try
        {
            await self.EffectRecordedAsync(turn.TurnId, effect);
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogEffectNotRecorded(logger, exception, _sessionKey, turn.TurnId, turn.TraceId);
            return false;
        }
    }

    /// <inheritdoc/>
    public Task WebhookAttemptedAsync(long generation, long seq, string? failure) =>
        _outbox?.OnAttemptedAsync(generation, seq, failure) ?? Task.CompletedTask; // no outbox: not an attempt of this activation

    private async Task CommitTurnAsync(RunningTurn turn, BrainOutcome outcome)
    {
        // Nothing of a superseded turn is committed or delivered; its messages stay queued.
        var status = turn.Controller.IsCancellationRequested || outcome.Cancelled ? TurnRecord.Cancelled
            : outcome.Error is not null ? TurnRecord.Failed
            : TurnRecord.Completed;
        // Without a webhook nothing is prepared, added or sent: no outbox is made for it.
        var outbox = Options.Delivery.WebhookUrl is null ? null : Outbox;
        if (status == TurnRecord.Completed && outbox is not null)
        {
            // Before the commit: a committed answer always has a durable wake-up for its delivery.
            await outbox.PrepareAsync();
        }

        var now = time.GetUtcNow();
        var ids = turn.Covered.Select(pending => pending.Message.MessageId).ToList();
        var seq = Session.NextSeq;
        var reply = status == TurnRecord.Completed ? outcome.Text : null;
        var effects = outcome.Effects is { Count: > 0 } done ? done : null;
        var record = new TurnRecord(turn.TurnId, seq, status, ids, reply, status == TurnRecord.Failed ? outcome.Error : null, turn.StartedAt, now, effects);
        Exchange? exchange = null;
        if (reply is not null)
        {
            // Every attempt at the answer, whenever and wherever it is made, continues the turn's trace.
            outbox?.Add(turn.TurnId, seq, () => WebhookBody(turn.TurnId, seq, ids, reply), turn.SpanTraceParent ?? turn.TraceParent);
            // An array, not a collection expression: the compiler's read-only wrapper type has no
            // codec of its own, so Orleans' serializer would look one up on every write.
            exchange = new Exchange(turn.Covered.Select(pending => pending.Message.Text).ToArray(), reply);
        }

        // The record, the answered messages leaving the queue, the history and the outbox: one write.
        Session.EndTurn(record, exchange, Options.TurnHistory, turn.Controller.UnrecordedEffects);
        await WriteAsync(CancellationToken.None);
        _running = null;
        turn.Controller.Dispose();
        metrics.TurnEnded(_key, _strategy, status, now - turn.StartedAt);
        if (status != TurnRecord.Cancelled)
        {
            foreach (var pending in turn.Covered)
            {
                metrics.MessageAnswered(_key, now - pending.ReceivedAt);
            }
        }

        LogTurnEnded(logger, _sessionKey, turn.TurnId, status, turn.TraceId);
        ReportQueue();
        notifications.Notify(_sessionKey);
    }

    /// <summary>What the webhook receives for a completed turn (API.md, Delivery).</summary>
    private string WebhookBody(string turnId, long seq, List<string> messageIds, string response) =>
        new JsonObject
        {
            ["session_key"] = _sessionKey,
            ["turn_id"] = turnId,
            ["seq"] = seq,
            ["message_ids"] = new JsonArray([.. messageIds.Select(id => (JsonNode)JsonValue.Create(id))]),
            ["response"] = new JsonObject { ["text"] = response },
        }.ToJsonString();

    /// <summary>
    /// Writes the state. A failed write (an ETag conflict, a database error) leaves this
    /// activation ahead of what is durable, so it is dropped and the next call reloads the state.
    /// </summary>
    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task ForgetResumeAsync()
    {
        if (_resumeRegistered && await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _resumeRegistered = false;
    }

    private void ReportQueue() =>
        _queue.Set(Session.Pending.Count, Session.Pending.Count > 0 ? Session.Pending[0].ReceivedAt : null);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The running turn; its outcome is set off the scheduler, everything else is the grain's.</summary>
    private sealed class RunningTurn(string turnId, List<PendingMessage> covered, DateTimeOffset startedAt, TurnController controller, string? traceParent)
    {
        private volatile bool _brainStarted;
        private volatile bool _deactivating;
        private volatile string? _spanTraceParent;

        public string TurnId { get; } = turnId;

        public List<PendingMessage> Covered { get; } = covered;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public TurnController Controller { get; } = controller;

        /// <summary>The W3C traceparent of the first message's request that had one.</summary>
        public string? TraceParent { get; } = traceParent;

        /// <summary>The W3C traceparent of the turn's own span (a child of <see cref="TraceParent"/>), once it started; null without a trace.</summary>
        public string? SpanTraceParent
        {
            get => _spanTraceParent;
            set => _spanTraceParent = value;
        }

        /// <summary>The trace id, for log lines (empty without a trace).</summary>
        public string TraceId { get; } = GrainCallTrace.TraceId(traceParent);

        /// <summary>The brain-call queue orders turns by this.</summary>
        public DateTimeOffset FirstMessageAt => Covered[0].ReceivedAt;

        /// <summary>Set once the brain's outcome is known.</summary>
        public TaskCompletionSource<BrainOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The brain got its place at the gate (the turn is no longer only waiting).</summary>
        public bool BrainStarted
        {
            get => _brainStarted;
            set => _brainStarted = value;
        }

        /// <summary>The activation is ending: its deactivation commits the turn.</summary>
        public bool Deactivating
        {
            get => _deactivating;
            set => _deactivating = value;
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Session {SessionKey} started turn {TurnId} over {Messages} messages (trace {TraceId})")]
    private static partial void LogTurnStarted(ILogger logger, string sessionKey, string turnId, int messages, string traceId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Session {SessionKey} ended turn {TurnId}: {Status} (trace {TraceId})")]
    private static partial void LogTurnEnded(ILogger logger, string sessionKey, string turnId, string status, string traceId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Session {SessionKey}: a new message supersedes turn {TurnId} (trace {TraceId})")]
    private static partial void LogSuperseding(ILogger logger, string sessionKey, string turnId, string traceId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Session {SessionKey}: brain attempt {Attempt} failed; retrying (trace {TraceId})")]
    private static partial void LogBrainRetry(ILogger logger, Exception exception, string sessionKey, int attempt, string traceId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Debug, Message = "Session {SessionKey}: the outcome of turn {TurnId} could not be handed back; the next activation runs the turn again (trace {TraceId})")]
    private static partial void LogOutcomeLost(ILogger logger, Exception exception, string sessionKey, string turnId, string traceId);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning, Message = "Session {SessionKey}: an effect of turn {TurnId} could not be journaled when it happened; it is kept with the turn's outcome (trace {TraceId})")]
    private static partial void LogEffectNotRecorded(ILogger logger, Exception exception, string sessionKey, string turnId, string traceId);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Session {SessionKey}: the silo stops; turn {TurnId} may finish before the deactivation's deadline (trace {TraceId})")]
    private static partial void LogAwaitingTurn(ILogger logger, string sessionKey, string turnId, string traceId);
}
