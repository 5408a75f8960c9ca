using OrleansFabric.Cli.Display;

namespace OrleansFabric.Cli.Load;

/// <summary>
/// Shows a load run's progress on stderr: a bar redrawn in place five times a second on a
/// terminal, a plain line every two seconds otherwise (logs, CI, pipes).
/// </summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private const int BarWidth = 30;
    private readonly TextWriter _error;
    private readonly bool _terminal;
    private readonly string _label;
    private readonly Func<ProgressSnapshot> _snapshot;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProgressReporter(TextWriter error, bool terminal, string label, Func<ProgressSnapshot> snapshot)
    {
        _error = error;
        _terminal = terminal;
        _label = label;
        _snapshot = snapshot;
        _loop = RunAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (_terminal)
        {
            Draw(_snapshot());
            await _error.WriteLineAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_terminal ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(2));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Draw(_snapshot());
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended.
        }
    }

    private void Draw(ProgressSnapshot progress)
    {
        var seconds = progress.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? progress.Done / seconds : 0;
        var count = progress.Total is { } total ? $"{Format.Number(progress.Done)}/{Format.Number(total)}" : Format.Number(progress.Done);
        var numbers = $"{count} requests  {Format.Decimal(rate)}/s  {Format.Number(progress.Errors)} errors  {Format.Decimal(seconds)} s";
        if (_terminal)
        {
            var filled = (int)Math.Round(Math.Clamp(progress.Fraction, 0, 1) * BarWidth);
            var percent = Format.Number((long)Math.Floor(Math.Clamp(progress.Fraction, 0, 1) * 100));
            _error.Write($"\r{_label} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {percent,3}%  {numbers}   ");
        }
        else
        {
            _error.WriteLine($"fabric: {_label}: {numbers}");
        }

        _error.Flush();
    }
}
