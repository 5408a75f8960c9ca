namespace OrleansFabric.Cli.Api;

/// <summary><c>GET /v1/batches/{id}</c>.</summary>
internal sealed record BatchInfo(
    string BatchId,
    string Status,
    int ExpectedCount,
    int AssignedCount,
    IReadOnlyList<BatchAssignmentInfo> Assignments,
    IReadOnlyList<string> MissingSlots,
    IReadOnlyList<BatchFailureInfo> ValidationFailures,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? CompletedAt,
    DeliveryInfo? Delivery);
