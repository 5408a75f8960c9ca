using OrleansFabric.Batches;

namespace OrleansFabric.Client.Tests;

/// <summary>What a pipeline service does with the grain client: defines a batch, then hands it content as uploads arrive.</summary>
internal sealed class EssayPipeline(IClusterClient client)
{
    public Task<RegisterBatchResult> OpenBatchAsync(string batchId, IReadOnlyList<string> essayIds, CancellationToken cancellationToken = default) =>
        client.GetGrain<IEssayBatchGrain>(batchId).RegisterAsync(new BatchDefinition(essayIds, TimeoutSeconds: 600, Metadata: null), cancellationToken);

    public Task<ContentAssignment> UploadAsync(string batchId, string textStorageId, string fileName, CancellationToken cancellationToken = default) =>
        client.GetGrain<IEssayBatchGrain>(batchId).ProvisionContentAsync(new ProvisionContent(textStorageId, fileName), cancellationToken);

    public Task<BatchStatus?> StatusAsync(string batchId, CancellationToken cancellationToken = default) =>
        client.GetGrain<IEssayBatchGrain>(batchId).GetStatusAsync(cancellationToken);
}
