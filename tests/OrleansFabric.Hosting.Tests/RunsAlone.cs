namespace OrleansFabric.Hosting.Tests;

/// <summary>Tests that measure this process's heap, so no other test may allocate meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "solo";
}
