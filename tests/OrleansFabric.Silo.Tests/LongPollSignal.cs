using System.Threading.Channels;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// Tells a test that a long-poll of turns has found nothing and begun waiting (the silo logs it),
/// so the test can then make a turn happen and know the answer came from the wait.
/// </summary>
internal sealed class LongPollSignal : ILoggerProvider
{
    private readonly Channel<string> _waiting = Channel.CreateUnbounded<string>();

    /// <summary>Adds the signal to a silo's logging.</summary>
    public void AddTo(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(this);
        builder.Logging.AddFilter<LongPollSignal>(typeof(TurnLongPoll).FullName, LogLevel.Debug);
    }

    /// <summary>Waits (at most 10 s) until a long-poll is waiting.</summary>
    public async Task WaitingAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _waiting.Reader.ReadAsync(timeout.Token);
    }

    public ILogger CreateLogger(string categoryName) =>
        categoryName == typeof(TurnLongPoll).FullName ? new Logger(_waiting.Writer) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(ChannelWriter<string> waiting) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == TurnLongPoll.WaitingEventId)
            {
                waiting.TryWrite(formatter(state, exception));
            }
        }
    }
}
