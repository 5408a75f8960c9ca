using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansFabric.Runtime;

namespace OrleansFabric.Batches;

/// <summary>
/// The persisted state of one batch. Its size is proportional to the number of slots (one
/// assignment or failure per slot, one terminal event), never to traffic: repeated
/// provisioning and repeated failure ids change nothing.
/// </summary>
public sealed class BatchState
{
    public bool Registered { get; set; }

    public List<string> ExpectedEssayIds { get; set; } = [];

    public int TimeoutSeconds { get; set; }

    public JsonElement? Metadata { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset Deadline { get; set; }

    public BatchPhase Phase { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Assignments in slot order: assignment i holds slot i.</summary>
    [JsonConverter(typeof(SlotAssignmentsConverter))]
    public List<SlotAssignment> Assignments { get; set; } = [];

    public List<RecordedValidationFailure> ValidationFailures { get; set; } = [];

    public List<BatchEvent> Events { get; set; } = [];

    /// <summary>The terminal event until the webhook acknowledged it, committed with it (a transactional outbox).</summary>
    public WebhookOutboxState Outbox { get; set; } = new();
}
