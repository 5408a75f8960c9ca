using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansFabric.Cli.Api;

namespace OrleansFabric.Cli.Load;

/// <summary>
/// <c>fabric load sessions</c>: messages round robin to <see cref="SessionsLoadSettings.Sessions"/>
/// sessions of a fresh run id, from closed-loop workers or on a fixed schedule (open loop; its
/// latency is measured from the scheduled time, so a slow cluster cannot hide queueing), and
/// with <c>--await-answers</c> the time from sending a message to seeing its completed turn.
/// </summary>
internal sealed class SessionsLoad(FabricClient client, SessionsLoadSettings settings)
{
    private readonly string _run = "load-" + Guid.NewGuid().ToString("N")[..8];
    private readonly OperationStats _messages = new("messages");
    private readonly OperationStats _answers = new("answers");
    private readonly ErrorCounts _errors = new();
    private readonly ConcurrentDictionary<int, SessionAnswers> _sessions = new();
    private readonly Stopwatch _clock = new();
    private long _issued;
    private long _accepted;
    private long _duplicates;

    public ProgressSnapshot Progress()
    {
        var done = _messages.Requests;
        var elapsed = _clock.Elapsed;
        var fraction = settings.Messages < long.MaxValue
            ? Math.Max((double)done / settings.Messages, elapsed / settings.Duration)
            : elapsed / settings.Duration;
        return new ProgressSnapshot(done, settings.Messages < long.MaxValue ? settings.Messages : null, _errors.Total, elapsed, fraction);
    }

    /// <summary>Runs the load; <paramref name="cancellationToken"/> (Ctrl+C) ends it early with partial results.</summary>
    public async Task<LoadSummary> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using (var gate = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            gate.CancelAfter(settings.Duration);
            await (settings.Rate is { } rate
                ? SendOnScheduleAsync(rate, gate.Token, watching.Token, cancellationToken)
                : SendFromWorkersAsync(gate.Token, watching.Token, cancellationToken));
        }

        var sending = _clock.Elapsed;
        var violations = new List<string>();
        var unanswered = 0;
        if (settings.AwaitAnswers)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                await WaitForAnswersAsync(cancellationToken);
            }

            unanswered = _sessions.Values.Sum(session => session.GiveUp(failed: !cancellationToken.IsCancellationRequested));
            if (unanswered > 0 && !cancellationToken.IsCancellationRequested)
            {
                violations.Add($"{unanswered} accepted message(s) got no answer within {settings.AnswerTimeout.TotalSeconds} s of the end of sending");
            }
        }

        await watching.CancelAsync();
        await Task.WhenAll(_sessions.Values.Select(session => session.Watching));
        _clock.Stop();
        return Summarize(sending, unanswered, violations, completed: !cancellationToken.IsCancellationRequested);
    }

    /// <summary>
    /// The next message number while the run goes on. Ctrl+C is checked besides the gate
    /// linked to it: a worker resumed inline by the cancellation may run before the gate is cancelled.
    /// </summary>
    private long? Next(CancellationToken gate, CancellationToken cancellationToken)
    {
        if (gate.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        var number = Interlocked.Increment(ref _issued);
        return number <= settings.Messages ? number : null;
    }

    private Task SendFromWorkersAsync(CancellationToken gate, CancellationToken watching, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(
            async () =>
            {
                while (Next(gate, cancellationToken) is { } number)
                {
                    await SendAsync(number, Stopwatch.GetTimestamp(), settings.AwaitAnswers, watching, cancellationToken);
                }
            },
            CancellationToken.None)));

    private async Task SendOnScheduleAsync(double rate, CancellationToken gate, CancellationToken watching, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var running = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        while (Next(gate, cancellationToken) is { } number)
        {
            var due = start + (long)((number - 1) / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if ((wait > TimeSpan.Zero && !await LoadRequest.PauseAsync(wait, gate)) || !await TryEnterAsync(slots, gate))
            {
                break;
            }

            running.Add(SendAndReleaseAsync(number, due, slots, watching, cancellationToken));
            if (running.Count >= 1024)
            {
                running.RemoveAll(task => task.IsCompleted);
            }
        }

        await Task.WhenAll(running);
    }

    private static async Task<bool> TryEnterAsync(SemaphoreSlim slots, CancellationToken gate)
    {
        try
        {
            await slots.WaitAsync(gate);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SendAndReleaseAsync(long number, long due, SemaphoreSlim slots, CancellationToken watching, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(number, due, waitForAnswer: false, watching, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task SendAsync(long number, long startedAt, bool waitForAnswer, CancellationToken watching, CancellationToken cancellationToken)
    {
        var index = (int)((number - 1) % settings.Sessions);
        var interlocutor = $"{_run}-{index + 1}";
        var messageId = $"{_run}-m{number}";
        var body = FabricClient.Serialize(
            new MessageRequest(messageId, settings.Tenant, settings.Agent, interlocutor, settings.Channel, $"load message {number}"),
            CliJsonContext.Default.MessageRequest);
        var session = settings.AwaitAnswers
            ? _sessions.GetOrAdd(index, _ => new SessionAnswers(client, $"/v1/sessions/{FabricClient.Segment($"{settings.Tenant}:{settings.Agent}:{interlocutor}:{settings.Channel}")}/turns", _answers, _errors))
            : null;
        var answer = session?.Expect(messageId, startedAt);
        ApiResponse? response;
        try
        {
            response = await LoadRequest.SendAsync(client, HttpMethod.Post, "/v1/messages", body, _messages, _errors, startedAt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            session?.Forget(messageId);
            return;
        }

        if (response is not { IsSuccess: true })
        {
            session?.Forget(messageId);
            return;
        }

        if (response.Read(CliJsonContext.Default.MessageAccepted).Status == "duplicate")
        {
            Interlocked.Increment(ref _duplicates);
        }
        else
        {
            Interlocked.Increment(ref _accepted);
        }

        session?.EnsureWatching(watching);
        if (waitForAnswer && answer is not null)
        {
            try
            {
                await answer.WaitAsync(settings.AnswerTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Still pending at the end of the run: counted unanswered.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: partial results.
            }
        }
    }

    private async Task WaitForAnswersAsync(CancellationToken cancellationToken)
    {
        var pending = _sessions.Values.SelectMany(session => session.PendingAnswers()).ToList();
        try
        {
            await Task.WhenAll(pending).WaitAsync(settings.AnswerTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // What is still pending is counted unanswered.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: partial results.
        }
    }

    private LoadSummary Summarize(TimeSpan sending, int unanswered, List<string> violations, bool completed)
    {
        var total = _clock.Elapsed.TotalSeconds;
        var operations = new List<OperationSummary> { _messages.Summarize(sending.TotalSeconds) };
        if (settings.AwaitAnswers)
        {
            operations.Add(_answers.Summarize(total));
        }

        return new LoadSummary(
            "sessions",
            completed,
            Math.Round(total, 3),
            _messages.Requests,
            operations[0].ThroughputPerSecond,
            operations,
            _errors.Snapshot(),
            _errors.Total,
            new SessionsOutcome(
                settings.Sessions,
                Interlocked.Read(ref _accepted),
                Interlocked.Read(ref _duplicates),
                _sessions.Values.Count(session => session.Answered > 0),
                _sessions.Values.Sum(session => session.Answered),
                unanswered),
            null,
            violations);
    }
}
