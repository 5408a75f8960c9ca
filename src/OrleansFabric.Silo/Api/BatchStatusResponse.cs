namespace OrleansFabric.Silo.Api;

/// <summary><c>GET /v1/batches/{batch_id}</c>, and the body of a successful <c>PUT</c>.</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Status"><c>collecting</c>, <c>completed</c> or <c>timed_out</c>.</param>
/// <param name="ExpectedCount">The number of slots.</param>
/// <param name="AssignedCount">Slots holding content.</param>
/// <param name="Assignments">Content per slot, in slot order.</param>
/// <param name="MissingSlots">Slots without content, in order.</param>
/// <param name="ValidationFailures">Recorded validation failures.</param>
/// <param name="CreatedAt">When the batch was registered (UTC).</param>
/// <param name="Deadline">When it times out unless completed (UTC).</param>
/// <param name="CompletedAt">When it completed or timed out (UTC), null while collecting.</param>
/// <param name="Metadata">The metadata the batch was registered with.</param>
/// <param name="Delivery">Webhook delivery of the batch's terminal event.</param>
public sealed record BatchStatusResponse(
    string BatchId,
    string Status,
    int ExpectedCount,
    int AssignedCount,
    IReadOnlyList<BatchAssignmentResponse> Assignments,
    IReadOnlyList<string> MissingSlots,
    IReadOnlyList<BatchValidationFailureResponse> ValidationFailures,
    DateTime CreatedAt,
    DateTime Deadline,
    DateTime? CompletedAt,
    System.Text.Json.JsonElement? Metadata,
    DeliveryResponse Delivery);
