using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OrleansFabric.Sessions.Tests;

/// <summary>A logger provider that keeps every entry, with its structured values and the trace current when it was written.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Every entry so far.</summary>
    public IReadOnlyCollection<LogEntry> Entries => _entries;

    /// <summary>
    /// The entries about session <paramref name="sessionKey"/>: the session grain's (its
    /// <c>SessionKey</c>) and its webhook outbox's (its <c>Grain</c>, the grain id).
    /// </summary>
    public IReadOnlyList<LogEntry> OfSession(string sessionKey) =>
    [
        .. _entries.Where(entry => Equals(entry.Values.GetValueOrDefault("SessionKey"), sessionKey)
            || (entry.Values.GetValueOrDefault("Grain") is string grain && grain.EndsWith("/" + sessionKey, StringComparison.Ordinal))),
    ];

    /// <summary>
    /// Asserts that the entries about session <paramref name="sessionKey"/> are of exactly the
    /// events <paramref name="eventIds"/> (each at least once), and that every one of them carries
    /// <paramref name="traceId"/> as its <c>TraceId</c>.
    /// </summary>
    public void AssertSessionLinesCarry(string sessionKey, ActivityTraceId traceId, params int[] eventIds)
    {
        var lines = OfSession(sessionKey);
        Assert.Equal(eventIds.Order(), lines.Select(line => line.EventId).Distinct().Order());
        Assert.All(lines, line => Assert.Equal((line.EventId, traceId.ToHexString()), (line.EventId, line.Values.GetValueOrDefault("TraceId") as string)));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            capture._entries.Enqueue(new LogEntry(
                category,
                eventId.Id,
                formatter(state, exception),
                values.ToDictionary(pair => pair.Key, pair => pair.Value),
                Activity.Current?.TraceId.ToHexString()));
        }
    }
}

/// <summary>One log entry.</summary>
public sealed record LogEntry(string Category, int EventId, string Message, IReadOnlyDictionary<string, object?> Values, string? ActivityTraceId);
