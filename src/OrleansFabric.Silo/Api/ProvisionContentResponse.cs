namespace OrleansFabric.Silo.Api;

/// <summary>The 200 answer to <c>POST /v1/batches/{batch_id}/content</c>.</summary>
/// <param name="EssayId">The slot the content holds.</param>
/// <param name="Outcome"><c>assigned</c>, or <c>already_assigned</c> when the content held the slot before.</param>
public sealed record ProvisionContentResponse(string EssayId, string Outcome);
