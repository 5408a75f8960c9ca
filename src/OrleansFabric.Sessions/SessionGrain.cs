using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansFabric.Runtime;
using OrleansFabric.Sessions.Brains;

namespace OrleansFabric.Sessions;

/// <summary>
/// One conversation session. Accepting a message is a short turn that makes it durable and
/// decides, by the channel's strategy, when the next logical turn starts. The brain runs as
/// background work; its answer comes back as another turn that commits, in one state write,
/// the turn record, the removal of the answered messages from the queue and the history.
/// Nothing here waits on a lock: a busy session only ever queues, aggregates or supersedes.
/// </summary>
public sealed partial class SessionGrain(
    [PersistentState("session")] IJournaledState<SessionState, SessionChange> state,
    IOptions<SessionsOptions> options,
    IBrain brain,
    TimeProvider time,
    SessionMetrics metrics,
    TurnNotifications notifications,
    IWebhookSender webhook,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain, IRemindable
{
    private const int BrainAttempts = 3;
    private const string ResumeReminder = "resume";

    private SessionKey _key = null!;
    private string _sessionKey = string.Empty;
    private SessionStrategy _strategy;
    private RunningTurn? _running;
    private IDisposable? _aggregationTimer;
    private bool _resumeRegistered;
    private SessionMetrics.SessionGauge _queue = null!;

    /// <summary>
    /// A message was accepted since the resume reminder last ticked. A session that is still
    /// in conversation keeps its reminder at an idle tick: dropping it and registering it again
    /// with the next message would cost two reminder-table writes per reminder period.
    /// </summary>
    private bool _acceptedSinceTick;
    private WebhookOutbox _outbox = null!;

    private SessionState Session => state.State;

    private SessionsOptions Options => options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sessionKey = GetPrimaryKeyString();
        if (!SessionKey.TryParse(_sessionKey, out var key))
        {
            throw new ArgumentException($"'{_sessionKey}' is not a session key (tenant_id:agent_id:interlocutor_id:channel).");
        }

        _key = key;
        _strategy = Options.StrategyFor(key.Channel);
        _queue = metrics.Track(_sessionKey, key, _strategy);
        _resumeRegistered = Session.Pending.Count > 0;
        _outbox = new WebhookOutbox(this, webhook, Options.Delivery, () => Session.Outbox, cancellationToken => state.AppendAsync(new SessionChange { Outbox = Session.Outbox }, cancellationToken));

        // Messages accepted before a crash or hand-off are answered now, and committed
        // answers the webhook has not acknowledged are delivered.
        ScheduleNextTurn();
        _outbox.Resume();
        ReportQueue();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _running?.Controller.RequestCancel();
        metrics.Untrack(_sessionKey, _queue);
        return Task.CompletedTask;
    }

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
            await RegisterOrUpdateReminderAsync(ResumeReminder, TimeSpan.FromSeconds(Options.ResumeCheckSeconds), TimeSpan.FromSeconds(Options.ResumeCheckSeconds), cancellationToken);
            _resumeRegistered = true;
        }

        await state.AppendAsync(new SessionChange { Accepted = new PendingMessage(message, time.GetUtcNow()) }, cancellationToken);
        _acceptedSinceTick = true;
        ReportQueue();

        switch (_strategy)
        {
            case SessionStrategy.Supersede when _running is not null:
                LogSuperseding(logger, _sessionKey, _running.TurnId);
                _running.Controller.RequestCancel();
                break;
            default:
                ScheduleNextTurn();
                break;
        }

        return new SubmitResult(SubmitOutcome.Accepted, Session.Pending.Count);
    }

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
            state.ETag,
            _outbox.Status));
    }

    public Task<IReadOnlyList<TurnRecord>?> GetTurnsAsync(long after, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TurnRecord>?>(state.RecordExists ? [.. Session.Turns.Where(turn => turn.Seq > after)] : null);

    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        _running?.Controller.RequestCancel();
        _running = null;
        _aggregationTimer?.Dispose();
        await _outbox.ResetAsync(cancellationToken);
        if (state.RecordExists)
        {
            await state.ClearStateAsync(cancellationToken);
        }

        await UnregisterReminderAsync(ResumeReminder, cancellationToken);
        _resumeRegistered = false;
        ReportQueue();
        notifications.Notify(_sessionKey);
    }

    public async Task ReceiveReminderAsync(string reminderName, TickStatus status, CancellationToken cancellationToken)
    {
        if (reminderName == WebhookOutbox.ReminderName)
        {
            await _outbox.ReceiveReminderAsync(cancellationToken);
            return;
        }

        var acceptedSinceTick = _acceptedSinceTick;
        _acceptedSinceTick = false;
        if (Session.Pending.Count == 0 && _running is null)
        {
            if (!acceptedSinceTick)
            {
                await UnregisterReminderAsync(ResumeReminder, cancellationToken);
                _resumeRegistered = false;
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
                _aggregationTimer = RegisterTimer(
                    _ =>
                    {
                        ScheduleNextTurn();
                        return Task.CompletedTask;
                    },
                    wait,
                    TimeSpan.Zero);
                return;
            }
        }

        StartTurn();
    }

    private void StartTurn()
    {
        _aggregationTimer?.Dispose();
        _aggregationTimer = null;
        var covered = _strategy is SessionStrategy.Queue or SessionStrategy.Reject
            ? Session.Pending.Take(1).ToList()
            : [.. Session.Pending];
        var turn = new RunningTurn(Guid.NewGuid().ToString("N"), covered, time.GetUtcNow(), new TurnController());
        var input = new BrainInput(
            _key,
            [.. covered.Select(pending => pending.Message)],
            [.. Session.History]);
        _running = turn;
        LogTurnStarted(logger, _sessionKey, turn.TurnId, covered.Count);
        StartBackgroundWork(cancellationToken => ThinkAsync(input, turn.Controller, cancellationToken), result => EndTurnAsync(turn, result), turn.Controller.Token);
    }

    /// <summary>
    /// Runs the brain off the mailbox, retrying failures (not cancellations) with exponential
    /// backoff. <paramref name="cancellationToken"/> is cancelled by a supersede (the turn's
    /// controller) and when the activation ends.
    /// </summary>
    private async Task<BrainReply> ThinkAsync(BrainInput input, TurnController controller, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await brain.RespondAsync(input, controller, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (attempt < BrainAttempts && !cancellationToken.IsCancellationRequested && exception is not OperationCanceledException)
            {
                LogBrainRetry(logger, exception, _sessionKey, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1)), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The brain's outcome, as a turn of this session: commit it in one write, then move on.</summary>
    private async Task EndTurnAsync(RunningTurn turn, BackgroundResult<BrainReply> result)
    {
        if (!ReferenceEquals(_running, turn))
        {
            return; // the session was deleted meanwhile
        }

        try
        {
            await CommitTurnAsync(turn, result);
        }
        catch
        {
            // The outcome is not committed: a fresh activation reloads the stored state and
            // runs the turn again (its messages are still pending there).
            DeactivateOnIdle();
            throw;
        }

        _outbox.Resume();
        ScheduleNextTurn();
    }

    private async Task CommitTurnAsync(RunningTurn turn, BackgroundResult<BrainReply> result)
    {
        // Nothing of a superseded turn is committed or delivered; its messages stay queued.
        var status = turn.Controller.IsCancellationRequested || result.IsCanceled ? TurnRecord.Cancelled
            : result.Exception is not null ? TurnRecord.Failed
            : TurnRecord.Completed;
        if (status == TurnRecord.Completed)
        {
            // Before the commit: a committed answer always has a durable wake-up for its delivery.
            await _outbox.PrepareAsync(CancellationToken.None);
        }

        var now = time.GetUtcNow();
        var ids = turn.Covered.Select(pending => pending.Message.MessageId).ToList();
        var seq = Session.NextSeq;
        var reply = status == TurnRecord.Completed ? result.Value!.Text : null;
        var change = new SessionChange
        {
            Turn = new TurnRecord(turn.TurnId, seq, status, ids, reply, status == TurnRecord.Failed ? result.Exception!.Message : null, turn.StartedAt, now),
            KeepTurns = Options.TurnHistory,
        };
        if (reply is not null)
        {
            _outbox.Add(turn.TurnId, seq, () => WebhookBody(turn.TurnId, seq, ids, reply));
            change = change with
            {
                Exchange = new Exchange([.. turn.Covered.Select(pending => pending.Message.Text)], reply),
                Outbox = _outbox.Enabled ? Session.Outbox : null,
            };
        }

        // The record, the answered messages leaving the queue, the history and the outbox: one write.
        await state.AppendAsync(change);
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

        LogTurnEnded(logger, _sessionKey, turn.TurnId, status);
        ReportQueue();
        notifications.Notify(_sessionKey);
    }

    /// <summary>What the webhook receives for a completed turn (API.md, Delivery).</summary>
    private JsonElement WebhookBody(string turnId, long seq, List<string> messageIds, string response) =>
        JsonSerializer.SerializeToElement(new JsonObject
        {
            ["session_key"] = _sessionKey,
            ["turn_id"] = turnId,
            ["seq"] = seq,
            ["message_ids"] = new JsonArray([.. messageIds.Select(id => (JsonNode)JsonValue.Create(id))]),
            ["response"] = new JsonObject { ["text"] = response },
        });

    private void ReportQueue() =>
        _queue.Set(Session.Pending.Count, Session.Pending.Count > 0 ? Session.Pending[0].ReceivedAt : null);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record RunningTurn(string TurnId, List<PendingMessage> Covered, DateTimeOffset StartedAt, TurnController Controller);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Session {SessionKey} started turn {TurnId} over {Messages} messages")]
    private static partial void LogTurnStarted(ILogger logger, string sessionKey, string turnId, int messages);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Session {SessionKey} ended turn {TurnId}: {Status}")]
    private static partial void LogTurnEnded(ILogger logger, string sessionKey, string turnId, string status);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Session {SessionKey}: a new message supersedes turn {TurnId}")]
    private static partial void LogSuperseding(ILogger logger, string sessionKey, string turnId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Session {SessionKey}: brain attempt {Attempt} failed; retrying")]
    private static partial void LogBrainRetry(ILogger logger, Exception exception, string sessionKey, int attempt);
}
