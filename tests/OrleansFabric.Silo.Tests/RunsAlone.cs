namespace OrleansFabric.Silo.Tests;

/// <summary>
/// Tests that must have the process to themselves: OpenTelemetry listens to meters by name across
/// the whole process, so a silo's /metrics would also show the sessions of silos other tests run
/// at the same time (one silo per process, as in production, is what the tests in here check).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "solo";
}
