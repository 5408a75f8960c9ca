using System.Text.Json;

namespace OrleansFabric.Silo.Api;

/// <summary><c>PUT /v1/batches/{batch_id}</c>: the batch's slots (exactly one of the two forms) and deadline.</summary>
/// <param name="ExpectedEssayIds">The slot ids, 1 to 10,000, unique, in assignment order.</param>
/// <param name="ExpectedCount">Instead of the ids: 1 to 10,000 slots named <c>{batch_id}-1</c>, <c>{batch_id}-2</c>, ….</param>
/// <param name="TimeoutSeconds">Seconds to the deadline, 1 to 604,800; default 600.</param>
/// <param name="Metadata">Optional JSON object kept with the batch.</param>
public sealed record RegisterBatchRequest(
    IReadOnlyList<string>? ExpectedEssayIds = null,
    int? ExpectedCount = null,
    int TimeoutSeconds = RegisterBatchRequest.DefaultTimeoutSeconds,
    JsonElement? Metadata = null)
{
    /// <summary>The deadline when the request names none.</summary>
    public const int DefaultTimeoutSeconds = 600;

    /// <summary>The longest deadline: a week.</summary>
    public const int MaxTimeoutSeconds = 604_800;

    /// <summary>The most slots a batch may have.</summary>
    public const int MaxSlots = 10_000;
}
