namespace OrleansFabric.Batches;

/// <summary>
/// One essay batch (keyed by its batch id): it assigns provisioned content to essay slots.
/// All its methods run one at a time, so the same content never takes two slots, no slot is
/// given twice, and the batch ends exactly once (all essays ready, or timed out).
/// </summary>
[Alias("essay-batch")]
public interface IEssayBatchGrain : IGrainWithStringKey
{
    /// <summary>Defines the batch; sending the same definition again changes nothing.</summary>
    [Alias("register")]
    Task<RegisterBatchResult> RegisterAsync(BatchDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Assigns content to the next free slot, or returns the slot it already has.</summary>
    [Alias("provision")]
    Task<ContentAssignment> ProvisionContentAsync(ProvisionContent content, CancellationToken cancellationToken = default);

    /// <summary>Records that one essay failed validation: the batch waits for one essay fewer.</summary>
    [Alias("validation-failure")]
    Task<ValidationFailureResult> RecordValidationFailureAsync(ValidationFailure failure, CancellationToken cancellationToken = default);

    /// <summary>The batch's state, or null when it was never registered.</summary>
    [Alias("status")]
    [ReadOnly]
    Task<BatchStatus?> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>The batch's events (at most one terminal event), or null when it was never registered.</summary>
    [Alias("events")]
    [ReadOnly]
    Task<IReadOnlyList<BatchEvent>?> GetEventsAsync(CancellationToken cancellationToken = default);
}
