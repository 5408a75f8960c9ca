using System.Collections.Concurrent;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>Lines written by another thread (a process's output), kept for failure messages.</summary>
internal sealed class ProcessLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, _lines);
}
