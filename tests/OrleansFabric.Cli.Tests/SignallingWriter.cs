namespace OrleansFabric.Cli.Tests;

/// <summary>A StringWriter that calls <paramref name="onLine"/> after each line written: lets a test act when a command reports progress.</summary>
internal sealed class SignallingWriter(Action onLine) : StringWriter
{
    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        onLine();
    }
}
