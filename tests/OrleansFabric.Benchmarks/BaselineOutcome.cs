namespace OrleansFabric.Benchmarks;

/// <summary>What became of a message in the baseline.</summary>
internal enum BaselineOutcome
{
    /// <summary>Its turn ran and committed an answer.</summary>
    Answered,

    /// <summary>The lock was not free within the blocking timeout: "session busy".</summary>
    SessionBusy,
}
