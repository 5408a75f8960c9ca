namespace OrleansFabric.Runtime.Tests.Grains;

public sealed class WorkerState
{
    public string? Value { get; set; }
}
