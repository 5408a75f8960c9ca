namespace OrleansFabric.Runtime.Tests.Grains;

public sealed record SequenceReport(int Calls, int OrderViolations, int Overlaps);
