namespace OrleansFabric.Runtime.Reminders;

/// <summary>A stored reminder. Ticks are due at <see cref="StartAt"/> + k × <see cref="Period"/>.</summary>
/// <param name="GrainId">The grain it reminds.</param>
/// <param name="Name">The reminder's name, unique per grain.</param>
/// <param name="StartAt">The first due time.</param>
/// <param name="Period">The period; zero for one-shot.</param>
/// <param name="Partition">The grain's partition, so the partition's owner can load it.</param>
/// <param name="ETag">The stored version; a one-shot reminder is deleted only if it is unchanged.</param>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period, int Partition, string ETag);
