using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansFabric.Runtime;

namespace OrleansFabric.Benchmarks;

/// <summary>The gateway's webhook in the comparison: it notes when each message's answer arrived.</summary>
internal sealed class RecordingWebhook : IWebhookSender
{
    private readonly ConcurrentDictionary<string, long> _answeredAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _turns = new(StringComparer.Ordinal);

    /// <summary>When (Stopwatch timestamp) each message id was first answered.</summary>
    public IReadOnlyDictionary<string, long> AnsweredAt => _answeredAt;

    /// <summary>Distinct turns delivered.</summary>
    public int Turns => _turns.Count;

    public Task SendAsync(Uri endpoint, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = Stopwatch.GetTimestamp();
        _turns.TryAdd(message.IdempotencyKey, 0);
        foreach (var id in message.Body.GetProperty("message_ids").EnumerateArray())
        {
            _answeredAt.TryAdd(id.GetString()!, now);
        }

        return Task.CompletedTask;
    }
}
