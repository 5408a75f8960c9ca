namespace OrleansFabric.Cluster.Tests;

/// <summary>Multi-process tests run one at a time: each starts several silo processes on a 2-core machine.</summary>
[CollectionDefinition(nameof(FaultTests), DisableParallelization = true)]
public sealed class SerialClusterTests;
