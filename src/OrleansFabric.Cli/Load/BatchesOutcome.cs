namespace OrleansFabric.Cli.Load;

/// <summary>What a <c>load batches</c> run did to the batches, as the client saw it and the batches report it.</summary>
/// <param name="Batches">Batches registered.</param>
/// <param name="SlotsPerBatch">Slots of each batch.</param>
/// <param name="ContentSent">Content posts, duplicates included.</param>
/// <param name="DuplicatesSent">Posts of content already sent to the batch.</param>
/// <param name="AssignedSlots">Slots the batches report filled.</param>
/// <param name="AlreadyAssigned">Posts answered <c>already_assigned</c>.</param>
/// <param name="Refusals">Posts refused 409 <c>no_slot_available</c> (content beyond the slots).</param>
internal sealed record BatchesOutcome(int Batches, int SlotsPerBatch, long ContentSent, long DuplicatesSent, long AssignedSlots, long AlreadyAssigned, long Refusals);
