using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrleansFabric.Cli.Api;

namespace OrleansFabric.Cli.Load;

/// <summary>
/// Watches one session's turns with a long poll (GET .../turns?after=seq&amp;wait_seconds=10)
/// and resolves the messages the load run expects an answer for: answered when a completed
/// turn holds the message, failed when a failed turn does. Cancelled turns are skipped: their
/// messages are answered by the next turn.
/// </summary>
internal sealed class SessionAnswers(FabricClient client, string turnsPath, OperationStats answers, ErrorCounts errors)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Done, long SentAt)> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Task? _watching;
    private long _answered;

    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Ends when this session's watch loop has stopped.</summary>
    public Task Watching => _watching ?? Task.CompletedTask;

    /// <summary>Registers a message before it is sent (its turn may complete before the 202 arrives); the task ends when it is answered or failed.</summary>
    public Task Expect(string messageId, long sentAt)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[messageId] = (done, sentAt);
        return done.Task;
    }

    /// <summary>Stops expecting a message that was not accepted.</summary>
    public void Forget(string messageId) => _pending.TryRemove(messageId, out _);

    public IEnumerable<Task> PendingAnswers() => _pending.Values.Select(pending => pending.Done.Task);

    /// <summary>Starts the watch loop once the session exists (after a 202); it runs until <paramref name="stop"/>.</summary>
    public void EnsureWatching(CancellationToken stop)
    {
        lock (_lock)
        {
            _watching ??= Task.Run(() => WatchAsync(stop), CancellationToken.None);
        }
    }

    /// <summary>
    /// Stops waiting for the messages still without an answer and returns how many there were;
    /// they count as failed (error <c>unanswered</c>) when <paramref name="failed"/>, and not when
    /// Ctrl+C cut the wait short.
    /// </summary>
    public int GiveUp(bool failed)
    {
        var given = 0;
        foreach (var messageId in _pending.Keys)
        {
            if (_pending.TryRemove(messageId, out var pending))
            {
                if (failed)
                {
                    answers.RecordFailure();
                    errors.Add("unanswered");
                }

                pending.Done.TrySetResult();
                given++;
            }
        }

        return given;
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        long after = 0;
        while (!stop.IsCancellationRequested)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{turnsPath}?after={after}&wait_seconds=10");
            ApiResponse response;
            try
            {
                response = await client.SendAsync(HttpMethod.Get, path, null, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is FabricUnreachableException or HttpRequestException)
            {
                errors.Add("turns unreachable");
                await LoadRequest.PauseAsync(RetryDelay, stop);
                continue;
            }

            if (!response.IsSuccess)
            {
                errors.Add("turns " + response.ErrorKey);
                await LoadRequest.PauseAsync(RetryDelay, stop);
                continue;
            }

            foreach (var turn in response.Read(CliJsonContext.Default.IReadOnlyListTurnInfo))
            {
                after = Math.Max(after, turn.Seq);
                Resolve(turn);
            }
        }
    }

    private void Resolve(TurnInfo turn)
    {
        if (turn.Status is not ("completed" or "failed"))
        {
            return;
        }

        foreach (var messageId in turn.MessageIds)
        {
            if (!_pending.TryRemove(messageId, out var pending))
            {
                continue;
            }

            if (turn.Status == "completed")
            {
                answers.Record(Stopwatch.GetElapsedTime(pending.SentAt), ok: true);
                Interlocked.Increment(ref _answered);
            }
            else
            {
                answers.RecordFailure();
                errors.Add("turn_failed");
            }

            pending.Done.TrySetResult();
        }
    }
}
