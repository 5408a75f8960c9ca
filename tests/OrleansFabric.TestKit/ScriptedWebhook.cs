using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using OrleansFabric.Hosting.Delivery;

namespace OrleansFabric.TestKit;

/// <summary>
/// A webhook receiver in the test process: it records every delivery attempt, fails the
/// next <see cref="FailNext"/> attempts and acknowledges the rest; tests await attempts. Each
/// attempt records the trace it ran in (what an HTTP sender would put in <c>traceparent</c>).
/// </summary>
public sealed class ScriptedWebhook : IWebhookSender
{
    private readonly ConcurrentQueue<WebhookAttempt> _attempts = new();
    private readonly Channel<WebhookAttempt> _arrived = Channel.CreateUnbounded<WebhookAttempt>();
    private int _failNext;

    /// <summary>Attempts that fail (counting down); the others succeed.</summary>
    public int FailNext
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    /// <summary>Every attempt so far, in order.</summary>
    public IReadOnlyCollection<WebhookAttempt> Attempts => _attempts;

    /// <summary>The acknowledged attempts, in order.</summary>
    public IEnumerable<WebhookAttempt> Delivered => _attempts.Where(attempt => attempt.Succeeded);

    public Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fail = Interlocked.Decrement(ref _failNext) >= 0;
        if (!fail)
        {
            Interlocked.Increment(ref _failNext);
        }

        var trace = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.TraceId : (ActivityTraceId?)null;
        var attempt = new WebhookAttempt(endpoint, message.IdempotencyKey, message.Seq, JsonDocument.Parse(message.Body).RootElement.Clone(), !fail, trace);
        _attempts.Enqueue(attempt);
        _arrived.Writer.TryWrite(attempt);
        return fail ? Task.FromException(new HttpRequestException("Response status code does not indicate success: 503 (Service Unavailable).")) : Task.CompletedTask;
    }

    /// <summary>Waits (up to 10 s) for the next attempt.</summary>
    public async Task<WebhookAttempt> NextAttemptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await _arrived.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("The webhook was not called within 10 s.");
        }
    }
}

/// <summary>One delivery attempt seen by <see cref="ScriptedWebhook"/>; <paramref name="TraceId"/> is the trace it ran in, if any.</summary>
public sealed record WebhookAttempt(Uri Endpoint, string IdempotencyKey, long Seq, JsonElement Body, bool Succeeded, ActivityTraceId? TraceId = null);
