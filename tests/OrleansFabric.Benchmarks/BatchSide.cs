using OrleansFabric.Batches;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// One side of the batch benchmark: how it registers a batch, provisions a content and reads
/// a workload's final state back (duplicates, complete batches, each content's slot), and which
/// process serves it (0: this one) for its CPU.
/// </summary>
internal sealed record BatchSide(
    string Name,
    string ServerName,
    int ServerProcess,
    Func<string, string[], CancellationToken, Task> Register,
    Func<string, ProvisionContent, CancellationToken, Task<ContentAssignment>> Provision,
    Func<BatchWorkload, string, CancellationToken, Task<(int Duplicates, int Complete, Dictionary<(string Batch, string Content), string> Final)>> Verify);
