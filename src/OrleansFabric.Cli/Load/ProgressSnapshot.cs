namespace OrleansFabric.Cli.Load;

/// <summary>Where a load run is: requests done (of a known total, if any), errors, elapsed time, and the fraction done.</summary>
internal sealed record ProgressSnapshot(long Done, long? Total, long Errors, TimeSpan Elapsed, double Fraction);
