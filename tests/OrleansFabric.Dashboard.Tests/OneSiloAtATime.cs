namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// The test classes that start a silo in this process. OpenTelemetry listens to meters by name
/// across the whole process, so two silos running at once would each export the other's batch and
/// session gauges on <c>/metrics</c> (last value wins); one silo at a time, as in production.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OneSiloAtATime
{
    public const string Name = "one silo at a time";
}
