namespace OrleansFabric.Silo.Dashboard;

/// <summary>The batches of one status active on the silo and their slots (<c>fabric_batches</c>, <c>fabric_batch_slots</c>).</summary>
/// <param name="Status"><c>collecting</c>, <c>completed</c> or <c>timed_out</c>.</param>
/// <param name="Batches">How many batches.</param>
/// <param name="SlotsAssigned">Slots that hold content.</param>
/// <param name="SlotsFailed">Slots given up to validation failures.</param>
/// <param name="SlotsMissing">Slots still waiting (for a timed-out batch: never filled).</param>
public sealed record BatchProgress(string Status, long Batches, long SlotsAssigned, long SlotsFailed, long SlotsMissing);
